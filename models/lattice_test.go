package models

import (
	"slices"
	"testing"
)

func TestEdgesAreKnownAndSourced(t *testing.T) {
	seen := map[[2]Model]bool{}
	for _, e := range Edges() {
		if !Known(e.Stronger) || !Known(e.Weaker) {
			t.Errorf("edge %s → %s names an unknown model", e.Stronger, e.Weaker)
		}
		if e.Stronger == e.Weaker {
			t.Errorf("edge %s → %s is a self-loop", e.Stronger, e.Weaker)
		}
		if e.Source == "" {
			t.Errorf("edge %s → %s has no source", e.Stronger, e.Weaker)
		}
		k := [2]Model{e.Stronger, e.Weaker}
		if seen[k] {
			t.Errorf("edge %s → %s is listed twice", e.Stronger, e.Weaker)
		}
		seen[k] = true
	}
}

// TestLatticeAcyclic searches the edges themselves (not the closure, which
// would hide a cycle) for a cycle, depth first.
func TestLatticeAcyclic(t *testing.T) {
	out := map[Model][]Model{}
	for _, e := range Edges() {
		out[e.Stronger] = append(out[e.Stronger], e.Weaker)
	}
	const (
		white = iota
		grey
		black
	)
	color := map[Model]int{}
	var path []Model
	var visit func(m Model) bool
	visit = func(m Model) bool {
		color[m] = grey
		path = append(path, m)
		for _, n := range out[m] {
			switch color[n] {
			case grey:
				t.Errorf("cycle: %v → %s", path, n)
				return false
			case white:
				if !visit(n) {
					return false
				}
			}
		}
		path = path[:len(path)-1]
		color[m] = black
		return true
	}
	for _, m := range All() {
		if color[m] == white && !visit(m) {
			return
		}
	}
}

// TestAllIsTopological: every edge goes from an earlier model of All to a
// later one, so All is strongest first.
func TestAllIsTopological(t *testing.T) {
	for _, e := range Edges() {
		if index[e.Stronger] >= index[e.Weaker] {
			t.Errorf("All lists %s (at %d) after %s (at %d), which it implies",
				e.Stronger, index[e.Stronger], e.Weaker, index[e.Weaker])
		}
	}
}

func TestImpliesReflexiveTransitive(t *testing.T) {
	all := All()
	for _, a := range all {
		if !Implies(a, a) {
			t.Errorf("Implies(%s, %s) = false", a, a)
		}
		for _, b := range all {
			for _, c := range all {
				if Implies(a, b) && Implies(b, c) && !Implies(a, c) {
					t.Errorf("%s ⇒ %s ⇒ %s but not %s ⇒ %s", a, b, c, a, c)
				}
			}
			if a != b && Implies(a, b) && Implies(b, a) {
				t.Errorf("%s and %s imply each other", a, b)
			}
		}
	}
	for _, e := range Edges() {
		if !Implies(e.Stronger, e.Weaker) {
			t.Errorf("edge %s → %s but Implies is false", e.Stronger, e.Weaker)
		}
	}
}

func TestImpliesUnknown(t *testing.T) {
	if Implies("eventual", "eventual") || Implies("eventual", ReadUncommitted) || Implies(StrictSerializable, "eventual") {
		t.Error("Implies is true for an unknown model")
	}
	if Weaker("eventual") != nil || Stronger("eventual") != nil {
		t.Error("Weaker or Stronger of an unknown model is not nil")
	}
}

// TestKnownImplications checks implications the sources draw.
func TestKnownImplications(t *testing.T) {
	for _, c := range []struct {
		a, b   Model
		source string
	}{
		{StrictSerializable, Serializable, "Jepsen map; Adya PL-SS"},
		{StrictSerializable, Linearizable, "Jepsen map"},
		{StrictSerializable, ReadYourWrites, "Jepsen map, through linearizable"},
		{Serializable, RepeatableRead, "Adya: PL-3 above PL-2.99; Jepsen map"},
		{Serializable, SnapshotIsolation, "Jepsen map: serializable implies repeatable read and snapshot isolation; Elle"},
		{SnapshotIsolation, MonotonicAtomicView, "Jepsen map"},
		{SnapshotIsolation, CursorStability, "Adya: PL-SI above PL-FCV above PL-2+ above PL-CS; Elle"},
		{SnapshotIsolation, ReadAtomic, "Cerone et al.: SI within RA"},
		{RepeatableRead, CursorStability, "Jepsen map"},
		{RepeatableRead, ReadCommitted, "Jepsen map"},
		{ReadAtomic, ReadCommitted, "Elle: read-atomic → monotonic-atomic-view → read-committed"},
		{ReadCommitted, ReadUncommitted, "ANSI SQL; Adya"},
		{StrongSessionSerializable, SnapshotIsolation, "Elle"},
		{StrongSnapshotIsolation, SnapshotIsolation, "Elle; Daudjee and Salem 2006"},
		{Linearizable, Causal, "Viotti and Vukolić; Jepsen map"},
		{Causal, WritesFollowReads, "Brzezinski et al. 2004"},
		{Causal, MonotonicReads, "Brzezinski et al. 2004"},
	} {
		if !Implies(c.a, c.b) {
			t.Errorf("Implies(%s, %s) = false; the sources say it holds (%s)", c.a, c.b, c.source)
		}
	}
}

// TestKnownNonImplications checks implications the sources do not draw.
func TestKnownNonImplications(t *testing.T) {
	for _, c := range []struct {
		a, b   Model
		source string
	}{
		{SnapshotIsolation, Serializable, "write skew: SI allows G2 (Berenson et al. 1995; Adya; Jepsen map)"},
		{SnapshotIsolation, RepeatableRead, "write skew is G2-item, which PL-2.99 proscribes and SI allows (Adya; Jepsen map draws no arrow)"},
		{RepeatableRead, SnapshotIsolation, "Jepsen map: incomparable"},
		{Serializable, StrictSerializable, "Jepsen map: strict is stronger"},
		{Serializable, Linearizable, "serializability has no real-time order (Jepsen map)"},
		{Serializable, Sequential, "Jepsen map and Elle draw no serializable → sequential: no per-process order"},
		{Serializable, StrongSessionSerializable, "Elle: strong-session-serializable → serializable only"},
		{SnapshotIsolation, StrongSessionSnapshotIsolation, "Daudjee and Salem 2006: the session variant is stronger"},
		{Linearizable, Serializable, "single-object models say nothing of transactions (Jepsen map)"},
		{MonotonicAtomicView, ReadAtomic, "Cerone et al. / Elle: RA → MAV only"},
		{CursorStability, MonotonicAtomicView, "Jepsen map: incomparable"},
		{PRAM, WritesFollowReads, "Brzezinski et al.: writes-follow-reads is what causal adds to PRAM"},
		{WritesFollowReads, PRAM, "Jepsen map: incomparable"},
		{Sequential, Linearizable, "Jepsen map: linearizable is stronger"},
	} {
		if Implies(c.a, c.b) {
			t.Errorf("Implies(%s, %s) = true; the sources say it does not hold (%s)", c.a, c.b, c.source)
		}
	}
}

func TestWeakerStronger(t *testing.T) {
	got := Weaker(PRAM)
	want := []Model{MonotonicReads, MonotonicWrites, ReadYourWrites}
	if !slices.Equal(got, want) {
		t.Errorf("Weaker(PRAM) = %v, want %v", got, want)
	}
	got = Stronger(SnapshotIsolation)
	want = []Model{StrictSerializable, StrongSessionSerializable, StrongSnapshotIsolation, Serializable, StrongSessionSnapshotIsolation}
	if !slices.Equal(got, want) {
		t.Errorf("Stronger(snapshot-isolation) = %v, want %v", got, want)
	}
	if s := Stronger(StrictSerializable); s != nil {
		t.Errorf("Stronger(strict-serializable) = %v, want none", s)
	}
	for _, m := range All() {
		for _, w := range Weaker(m) {
			if !slices.Contains(Stronger(w), m) {
				t.Errorf("%s is in Weaker(%s) but %s is not in Stronger(%s)", w, m, m, w)
			}
		}
	}
	// Everything is weaker than strict-serializable: it is the top.
	if n := len(Weaker(StrictSerializable)); n != len(All())-1 {
		t.Errorf("strict-serializable implies %d models, want all %d others", n, len(All())-1)
	}
}
