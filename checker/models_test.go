package checker

import (
	"testing"

	"github.com/faultline/faultline/models"
)

func stateOf(rs Results, m models.Model) models.State {
	for _, s := range rs.Models {
		if s.Model == m {
			return s.State
		}
	}
	return ""
}

// A linearizable history holds every weaker single-object model by
// implication; a non-linearizable one rules linearizability out and leaves
// the weaker models not checked, unless a checker of its own decides them.
func TestCombineModels(t *testing.T) {
	valid := Combine(map[string]Result{"linearizable": decidesLinearizable(Result{Verdict: Valid})})
	for _, m := range []models.Model{models.Linearizable, models.Sequential, models.Causal, models.ReadYourWrites} {
		if got := stateOf(valid, m); got != models.StateHolds {
			t.Errorf("linearizable valid: %s is %q, want holds", m, got)
		}
	}
	if got := stateOf(valid, models.Serializable); got != "" {
		t.Errorf("serializable is in scope (%q) though no checker decides it or anything stronger", got)
	}
	invalid := Combine(map[string]Result{
		"linearizable": decidesLinearizable(Result{Verdict: Invalid}),
		"sequential": {Verdict: Valid, Informational: true,
			Decides: []models.Model{models.Sequential}, Verified: []models.Model{models.Sequential}},
	})
	want := map[models.Model]models.State{
		models.Linearizable:   models.StateRuledOut,
		models.Sequential:     models.StateHolds,
		models.Causal:         models.StateHolds,
		models.MonotonicReads: models.StateHolds,
	}
	for m, w := range want {
		if got := stateOf(invalid, m); got != w {
			t.Errorf("linearizable invalid, sequential valid: %s is %q, want %q", m, got, w)
		}
	}
	unknown := Combine(map[string]Result{"linearizable": decidesLinearizable(Result{Verdict: Unknown, Summary: "timed out"})})
	if got := stateOf(unknown, models.Sequential); got != models.StateNotChecked {
		t.Errorf("linearizable unknown: sequential is %q, want not-checked", got)
	}
}

// An informational checker's invalid makes the run invalid; its unknown
// does not make a judged-valid run unknown; alone, its verdict stands.
func TestCombineInformational(t *testing.T) {
	lin := Result{Verdict: Valid}
	cases := []struct {
		info Verdict
		want Verdict
	}{{Valid, Valid}, {Unknown, Valid}, {Invalid, Invalid}}
	for _, c := range cases {
		got := Combine(map[string]Result{"linearizable": lin, "weak": {Verdict: c.info, Informational: true}}).Verdict
		if got != c.want {
			t.Errorf("judge valid, informational %s: %s, want %s", c.info, got, c.want)
		}
	}
	if got := Combine(map[string]Result{"weak": {Verdict: Unknown, Informational: true}}).Verdict; got != Unknown {
		t.Errorf("only an informational unknown: %s, want unknown", got)
	}
	if got := Combine(map[string]Result{"linearizable": {Verdict: Unknown}, "weak": {Verdict: Valid, Informational: true}}).Verdict; got != Unknown {
		t.Errorf("judge unknown, informational valid: %s, want unknown", got)
	}
}
