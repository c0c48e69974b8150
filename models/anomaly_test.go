package models

import (
	"slices"
	"testing"
)

func TestAnomalyTablesNameKnownThings(t *testing.T) {
	seen := map[Anomaly]bool{}
	for _, a := range Anomalies() {
		if seen[a] {
			t.Errorf("Anomalies lists %q twice", a)
		}
		seen[a] = true
	}
	for _, i := range anomalyImplications {
		if !KnownAnomaly(i.From) || !KnownAnomaly(i.To) {
			t.Errorf("implication %s → %s names an unknown anomaly", i.From, i.To)
		}
		if i.Source == "" {
			t.Errorf("implication %s → %s has no source", i.From, i.To)
		}
	}
	for _, p := range prohibitions {
		if !Known(p.Model) {
			t.Errorf("prohibition by unknown model %q", p.Model)
		}
		if p.Source == "" {
			t.Errorf("prohibition by %s of %v has no source", p.Model, p.Anomalies)
		}
		for _, a := range p.Anomalies {
			if !KnownAnomaly(a) {
				t.Errorf("%s prohibits unknown anomaly %q", p.Model, a)
			}
		}
	}
}

func TestAnomalyImplicationsAcyclic(t *testing.T) {
	for _, a := range Anomalies() {
		for _, b := range Implied(a) {
			if a != b && slices.Contains(Implied(b), a) {
				t.Errorf("%s and %s imply each other", a, b)
			}
		}
	}
}

// TestEveryAnomalyRulesSomethingOut: a known anomaly with no model to rule
// out would be a hole in the tables.
func TestEveryAnomalyRulesSomethingOut(t *testing.T) {
	for _, a := range Anomalies() {
		if len(ProhibitedBy(a)) == 0 {
			t.Errorf("%s is prohibited by no model", a)
		}
	}
}

// TestRulesOutUpwardClosed checks, by brute force over every anomaly and
// every pair of models, that a model stronger than a ruled-out one is
// ruled out, and that every ruled-out model implies one of the weakest.
func TestRulesOutUpwardClosed(t *testing.T) {
	for _, a := range append(Anomalies(), "no-such-anomaly") {
		out := RulesOut(a)
		weakest := ProhibitedBy(a)
		for _, m := range out {
			for _, s := range All() {
				if Implies(s, m) && !slices.Contains(out, s) {
					t.Errorf("RulesOut(%s) has %s but not %s, which implies it", a, m, s)
				}
			}
			if !slices.ContainsFunc(weakest, func(w Model) bool { return Implies(m, w) }) {
				t.Errorf("RulesOut(%s) has %s, which implies none of ProhibitedBy = %v", a, m, weakest)
			}
		}
		for _, w := range weakest {
			if !slices.Contains(out, w) {
				t.Errorf("ProhibitedBy(%s) has %s, which RulesOut does not", a, w)
			}
		}
	}
}

// TestAnomalyImplicationsRuleOutMore: if a implies b, a rules out all b
// does.
func TestAnomalyImplicationsRuleOutMore(t *testing.T) {
	for _, a := range Anomalies() {
		for _, b := range Implied(a) {
			for _, m := range RulesOut(b) {
				if !slices.Contains(RulesOut(a), m) {
					t.Errorf("%s implies %s, which rules out %s, but %s does not", a, b, m, a)
				}
			}
		}
	}
}

func TestUnknownAnomaly(t *testing.T) {
	if r := RulesOut("stale-reads"); r != nil {
		t.Errorf("RulesOut of an unknown anomaly = %v, want nil", r)
	}
	if p := ProhibitedBy("stale-reads"); p != nil {
		t.Errorf("ProhibitedBy of an unknown anomaly = %v, want nil", p)
	}
	if KnownAnomaly("stale-reads") || Implied("stale-reads") != nil {
		t.Error("an unknown anomaly is known or implies something")
	}
}

// TestProhibitedBy pins the weakest prohibiting models, following Elle's
// boundary over the models kept here.
func TestProhibitedBy(t *testing.T) {
	for _, c := range []struct {
		a      Anomaly
		want   []Model
		source string
	}{
		{G0, []Model{ReadUncommitted}, "Adya PL-1"},
		{G1a, []Model{ReadCommitted}, "Adya PL-2 (read-atomic also prohibits it, but implies read-committed)"},
		{G1c, []Model{ReadCommitted}, "Adya PL-2"},
		{GSingle, []Model{ConsistentView}, "Adya PL-2+"},
		{G2Item, []Model{RepeatableRead}, "Adya PL-2.99"},
		{G2, []Model{Serializable}, "Adya PL-3"},
		{GNonadjacent, []Model{SnapshotIsolation}, "Elle citing Cerone and Gotsman"},
		{LostUpdate, []Model{CursorStability}, "Elle citing Adya and Bailis"},
		{Internal, []Model{ReadAtomic}, "Elle citing Cerone (INT)"},
		{G2Realtime, []Model{StrictSerializable}, "Adya PL-SS"},
		{G2Process, []Model{StrongSessionSerializable}, "Elle citing Daudjee and Salem"},
		{G1cRealtime, []Model{StrongSnapshotIsolation}, "Elle: strong SI prohibits G1-realtime"},
		{GNonadjacentProcess, []Model{StrongSessionSnapshotIsolation}, "Elle"},
		{DuplicateElements, []Model{ReadUncommitted}, "Elle"},
		{IncompatibleOrder, []Model{ReadCommitted}, "Elle: implies G1a"},
		{Nonlinearizable, []Model{Linearizable}, "definition"},
		{ThinAirRead, []Model{Causal}, "Bouajjani et al."},
		{GarbageRead, []Model{ReadAtomic, Causal}, "Cerone EXT; Bouajjani ThinAirRead"},
		{MonotonicReadsViolation, []Model{MonotonicReads}, "definition"},
	} {
		if got := ProhibitedBy(c.a); !slices.Equal(got, c.want) {
			t.Errorf("ProhibitedBy(%s) = %v, want %v (%s)", c.a, got, c.want, c.source)
		}
	}
}

// TestRulesOut checks what the sources say a few anomalies do and do not
// rule out.
func TestRulesOut(t *testing.T) {
	for _, c := range []struct {
		a        Anomaly
		in, out  []Model
		citation string
	}{
		// G2-item: Adya's PL-2.99 proscribes it, PL-3 proscribes G2 which
		// it implies; PL-SI proscribes neither (write skew is SI-legal).
		{G2Item, []Model{RepeatableRead, Serializable, StrictSerializable, StrongSessionSerializable},
			[]Model{SnapshotIsolation, CursorStability, ReadCommitted, Linearizable}, "Adya; Elle"},
		// G-single: PL-2+ and PL-SI proscribe it; Elle does not count a
		// (predicate) G-single against repeatable-read.
		{GSingle, []Model{ConsistentView, SnapshotIsolation, Serializable, UpdateSerializable},
			[]Model{RepeatableRead, CursorStability, ReadAtomic}, "Adya; Elle"},
		// G-single-item is also G2-item, so it does rule out repeatable-read.
		{GSingleItem, []Model{RepeatableRead, ConsistentView, SnapshotIsolation}, nil, "Elle"},
		// Lost update: cursor stability and everything above it, SI too.
		{LostUpdate, []Model{CursorStability, RepeatableRead, SnapshotIsolation, Serializable},
			[]Model{ReadCommitted, MonotonicAtomicView, ReadAtomic}, "Adya; Bailis; Elle"},
		// G1a rules out read-committed and everything above it, but no
		// single-object model.
		{G1a, []Model{ReadCommitted, MonotonicAtomicView, ReadAtomic, SnapshotIsolation, StrictSerializable},
			[]Model{ReadUncommitted, Linearizable}, "Adya"},
		// Internal: Elle's graph has no internal → G1a edge.
		{Internal, []Model{ReadAtomic, SnapshotIsolation, Serializable},
			[]Model{ReadCommitted, MonotonicAtomicView}, "Elle"},
		// A single-object violation reaches strict-serializable through
		// linearizable, but not serializable.
		{MonotonicReadsViolation, []Model{MonotonicReads, PRAM, Causal, Sequential, Linearizable, StrictSerializable},
			[]Model{Serializable, WritesFollowReads, ReadYourWrites}, "Jepsen map"},
		{Nonsequential, []Model{Sequential, Linearizable, StrictSerializable},
			[]Model{Causal, Serializable}, "Jepsen map"},
	} {
		got := RulesOut(c.a)
		for _, m := range c.in {
			if !slices.Contains(got, m) {
				t.Errorf("RulesOut(%s) = %v lacks %s (%s)", c.a, got, m, c.citation)
			}
		}
		for _, m := range c.out {
			if slices.Contains(got, m) {
				t.Errorf("RulesOut(%s) = %v has %s (%s)", c.a, got, m, c.citation)
			}
		}
	}
}
