package models

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// byModel indexes a summary by model, failing on a repeat.
func byModel(t *testing.T, ss []Status) map[Model]Status {
	t.Helper()
	out := map[Model]Status{}
	for _, s := range ss {
		if _, dup := out[s.Model]; dup {
			t.Fatalf("summary lists %s twice", s.Model)
		}
		out[s.Model] = s
	}
	return out
}

func TestSummarizeNothing(t *testing.T) {
	ss := Summarize(Evidence{}, nil)
	if len(ss) != len(All()) {
		t.Fatalf("Summarize over nil scope gave %d statuses, want %d", len(ss), len(All()))
	}
	for i, s := range ss {
		if s.Model != All()[i] {
			t.Errorf("status %d is %s, want %s (All's order)", i, s.Model, All()[i])
		}
		if s.State != StateNotChecked || s.Because != noChecker {
			t.Errorf("%s: %s %q with no evidence, want not-checked %q", s.Model, s.State, s.Because, noChecker)
		}
	}
}

// TestSummarizeHoldsPropagatesDown: a verified model makes every weaker one
// hold, and nothing stronger or unrelated.
func TestSummarizeHoldsPropagatesDown(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{Holds: map[Model]string{Linearizable: "porcupine"}}, nil))
	if s := ss[Linearizable]; s.State != StateHolds || s.Because != "checked: porcupine" {
		t.Errorf("linearizable: %s %q, want holds %q", s.State, s.Because, "checked: porcupine")
	}
	for _, m := range []Model{Sequential, Causal, PRAM, WritesFollowReads, MonotonicReads, MonotonicWrites, ReadYourWrites} {
		want := "implied by linearizable (checked: porcupine)"
		if s := ss[m]; s.State != StateHolds || s.Because != want {
			t.Errorf("%s: %s %q, want holds %q", m, s.State, s.Because, want)
		}
	}
	for _, m := range []Model{StrictSerializable, Serializable, ReadUncommitted} {
		if s := ss[m]; s.State != StateNotChecked {
			t.Errorf("%s: %s %q, want not-checked (only linearizable was verified)", m, s.State, s.Because)
		}
	}
}

// TestSummarizeCitesTheClosestVerifiedModel: with two verified models above
// one, Because names the weaker of them.
func TestSummarizeCitesTheClosestVerifiedModel(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{Holds: map[Model]string{Linearizable: "porcupine", Sequential: "seq"}}, []Model{Causal}))
	if s := ss[Causal]; s.State != StateHolds || s.Because != "implied by sequential (checked: seq)" {
		t.Errorf("causal: %s %q, want holds implied by sequential", s.State, s.Because)
	}
}

// TestSummarizeRuledOutPropagatesUp: an anomaly rules out what prohibits
// it and everything stronger, and nothing else.
func TestSummarizeRuledOutPropagatesUp(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{Found: []Anomaly{G2Item}}, nil))
	for _, m := range []Model{RepeatableRead, Serializable, StrongSessionSerializable, StrictSerializable} {
		s := ss[m]
		if s.State != StateRuledOut || !slices.Equal(s.Anomalies, []Anomaly{G2Item}) || s.Because != "" {
			t.Errorf("%s: %s %v %q, want ruled-out by [G2-item] with no Because", m, s.State, s.Anomalies, s.Because)
		}
	}
	for _, m := range []Model{SnapshotIsolation, CursorStability, ReadCommitted, Linearizable} {
		if s := ss[m]; s.State != StateNotChecked || s.Anomalies != nil {
			t.Errorf("%s: %s %v, want not-checked (G2-item does not rule it out)", m, s.State, s.Anomalies)
		}
	}
}

func TestSummarizeAnomaliesListed(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{Found: []Anomaly{G1a, G2Item, "stale-reads", G1a}}, nil))
	if got := ss[Serializable].Anomalies; !slices.Equal(got, []Anomaly{G1a, G2Item}) {
		t.Errorf("serializable ruled out by %v, want [G1a G2-item] (found order, once each, unknown kinds left out)", got)
	}
	if got := ss[ReadCommitted].Anomalies; !slices.Equal(got, []Anomaly{G1a}) {
		t.Errorf("read-committed ruled out by %v, want [G1a]", got)
	}
	if s := ss[ReadUncommitted]; s.State != StateNotChecked {
		t.Errorf("read-uncommitted: %s, want not-checked", s.State)
	}
}

// TestSummarizeBothWays: a verified model and a found anomaly that does
// not touch it.
func TestSummarizeBothWays(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{
		Holds: map[Model]string{SnapshotIsolation: "elle"},
		Found: []Anomaly{G2Item},
	}, nil))
	for m, want := range map[Model]State{
		SnapshotIsolation:       StateHolds,
		ReadAtomic:              StateHolds,
		CursorStability:         StateHolds,
		ReadUncommitted:         StateHolds,
		RepeatableRead:          StateRuledOut,
		Serializable:            StateRuledOut,
		StrictSerializable:      StateRuledOut,
		StrongSnapshotIsolation: StateNotChecked,
		Linearizable:            StateNotChecked,
	} {
		if s := ss[m]; s.State != want {
			t.Errorf("%s: %s %q, want %s", m, s.State, s.Because, want)
		}
	}
}

// TestSummarizeContradiction: a checker says serializable holds, another
// found G2-item. Serializable and repeatable-read are ruled out, saying
// the evidence contradicts itself; what serializable alone would have
// implied is not claimed to hold.
func TestSummarizeContradiction(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{
		Holds: map[Model]string{Serializable: "elle"},
		Found: []Anomaly{G2Item},
	}, nil))
	for _, m := range []Model{Serializable, RepeatableRead} {
		s := ss[m]
		if s.State != StateRuledOut || !strings.Contains(s.Because, "contradicts itself") || !strings.Contains(s.Because, "G2-item") {
			t.Errorf("%s: %s %q, want ruled-out saying the evidence contradicts itself", m, s.State, s.Because)
		}
	}
	if b := ss[Serializable].Because; !strings.Contains(b, "checked: elle") {
		t.Errorf("serializable's Because %q does not name the check", b)
	}
	if b := ss[RepeatableRead].Because; !strings.Contains(b, "implied by serializable") {
		t.Errorf("repeatable-read's Because %q does not name the implication", b)
	}
	for _, m := range []Model{SnapshotIsolation, UpdateSerializable, ReadCommitted} {
		s := ss[m]
		if s.State != StateNotChecked || !strings.Contains(s.Because, "contradicts itself") {
			t.Errorf("%s: %s %q, want not-checked: its only support is contradicted", m, s.State, s.Because)
		}
	}
}

// TestSummarizeContradictionFromBelow: a weaker model's anomaly rules out
// the verified stronger one.
func TestSummarizeContradictionFromBelow(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{
		Holds: map[Model]string{Linearizable: "porcupine"},
		Found: []Anomaly{MonotonicReadsViolation},
	}, nil))
	for _, m := range []Model{Linearizable, Sequential, Causal, PRAM, MonotonicReads} {
		s := ss[m]
		if s.State != StateRuledOut || !strings.Contains(s.Because, "contradicts itself") {
			t.Errorf("%s: %s %q, want ruled-out, contradiction", m, s.State, s.Because)
		}
	}
	if s := ss[ReadYourWrites]; s.State != StateNotChecked {
		t.Errorf("read-your-writes: %s %q, want not-checked (linearizable's evidence is contradicted)", s.State, s.Because)
	}
}

// TestSummarizeContradictedAndCleanSupport: a contradicted verified model
// does not stop a clean one from supporting what it implies.
func TestSummarizeContradictedAndCleanSupport(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{
		Holds: map[Model]string{Serializable: "elle", ReadCommitted: "rc"},
		Found: []Anomaly{G2},
	}, []Model{ReadUncommitted, Serializable}))
	if s := ss[ReadUncommitted]; s.State != StateHolds || s.Because != "implied by read-committed (checked: rc)" {
		t.Errorf("read-uncommitted: %s %q, want holds implied by read-committed", s.State, s.Because)
	}
	if s := ss[Serializable]; s.State != StateRuledOut {
		t.Errorf("serializable: %s, want ruled-out", s.State)
	}
}

func TestSummarizeCheckedReasons(t *testing.T) {
	ss := byModel(t, Summarize(Evidence{
		Holds:   map[Model]string{ReadCommitted: ""},
		Checked: map[Model]string{Serializable: "the history has no transactions", ReadUncommitted: "ignored: it holds"},
	}, nil))
	if s := ss[Serializable]; s.State != StateNotChecked || s.Because != "the history has no transactions" {
		t.Errorf("serializable: %s %q, want the Checked reason", s.State, s.Because)
	}
	if s := ss[ReadUncommitted]; s.State != StateHolds || s.Because != "implied by read-committed (checked by an unnamed checker)" {
		t.Errorf("read-uncommitted: %s %q, want holds implied by read-committed", s.State, s.Because)
	}
	if s := ss[Linearizable]; s.Because != noChecker {
		t.Errorf("linearizable: %q, want %q", s.Because, noChecker)
	}
}

func TestSummarizeScope(t *testing.T) {
	ss := Summarize(Evidence{Holds: map[Model]string{"eventual": "x"}}, []Model{ReadCommitted, "eventual", StrictSerializable, ReadCommitted})
	var got []Model
	for _, s := range ss {
		got = append(got, s.Model)
	}
	if want := []Model{StrictSerializable, ReadCommitted, "eventual"}; !slices.Equal(got, want) {
		t.Fatalf("scope summary lists %v, want %v", got, want)
	}
	if s := ss[2]; s.State != StateNotChecked || !strings.Contains(s.Because, `"eventual"`) {
		t.Errorf("unknown model: %s %q, want not-checked naming it", s.State, s.Because)
	}
	if s := Summarize(Evidence{}, []Model{}); len(s) != 0 {
		t.Errorf("empty scope gave %v, want nothing", s)
	}
}

// TestSummarizeNeverUnsupportedHolds is a randomized check of the rules:
// holds only when verified (or implied by a verified model) that nothing
// found rules out; ruled out exactly when a found anomaly rules it out.
func TestSummarizeNeverUnsupportedHolds(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	all, anomalies := All(), Anomalies()
	for range 2000 {
		e := Evidence{Holds: map[Model]string{}}
		for range r.Intn(4) {
			e.Holds[all[r.Intn(len(all))]] = "c"
		}
		for range r.Intn(3) {
			e.Found = append(e.Found, anomalies[r.Intn(len(anomalies))])
		}
		for _, s := range Summarize(e, nil) {
			ruled := false
			for _, a := range e.Found {
				if slices.Contains(RulesOut(a), s.Model) {
					ruled = true
				}
			}
			if ruled != (s.State == StateRuledOut) {
				t.Fatalf("%+v: %s is %s, ruled out by the found anomalies: %v", e, s.Model, s.State, ruled)
			}
			if s.State != StateHolds {
				continue
			}
			// Some verified model no found anomaly rules out implies it.
			supported := false
			for h := range e.Holds {
				if !Implies(h, s.Model) {
					continue
				}
				clean := true
				for _, a := range e.Found {
					if slices.Contains(RulesOut(a), h) {
						clean = false
					}
				}
				supported = supported || clean
			}
			if !supported {
				t.Fatalf("%+v: %s holds (%q) but no uncontradicted verified model implies it", e, s.Model, s.Because)
			}
		}
	}
}
