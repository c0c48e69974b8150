package models

import (
	"fmt"
	"strings"
)

// State is what a run established about one model.
type State string

// The states of a Status.
const (
	// StateHolds: a checker verified the model over the whole history, or
	// verified a stronger one.
	StateHolds State = "holds"
	// StateRuledOut: an anomaly found in the history rules the model out.
	StateRuledOut State = "ruled-out"
	// StateNotChecked: the run established neither.
	StateNotChecked State = "not-checked"
)

// Status is one model's line in a run's summary.
type Status struct {
	// Model is the model the line is about.
	Model Model
	// State is what the run established about it.
	State State
	// Anomalies, for a ruled-out model, are the found anomalies that rule
	// it out, in the order of Evidence.Found; nil otherwise.
	Anomalies []Anomaly
	// Because says why: for holds, the check that established it
	// ("checked: porcupine", or "implied by linearizable (checked:
	// porcupine)"); for not-checked, why not; for ruled-out, empty unless
	// the evidence also says the model holds, when it says so.
	Because string
}

// Evidence is what a run's checkers established.
type Evidence struct {
	// Holds are the models a checker verified in full over the whole
	// history, each with the checker's name.
	Holds map[Model]string
	// Found are the anomalies any checker found.
	Found []Anomaly
	// Checked optionally says, by model, why a model could not be checked;
	// it is the reason a not-checked Status gives.
	Checked map[Model]string
}

// noChecker is the reason a not-checked model gives when Evidence.Checked
// has none.
const noChecker = "no checker of this run decides it"

// Summarize gives one Status per model of scope (nil scope: All()), in
// All's order; a model scope repeats is given once, and one this package
// does not know comes last, not checked.
//
// A model is ruled out if a found anomaly rules it out (RulesOut). It
// holds if a checker verified it (Evidence.Holds) or verified a stronger
// model: holding propagates down the lattice, being ruled out up it. If
// the evidence says both — a model verified, or implied by a verified one,
// is also ruled out — it is ruled out, and Because says the evidence
// contradicts itself; a verified model that is ruled out supports nothing
// weaker. Otherwise it is not checked, with the reason from
// Evidence.Checked or "no checker of this run decides it". Anomalies this
// package does not know rule nothing out; models it does not know in
// Evidence.Holds imply nothing.
func Summarize(e Evidence, scope []Model) []Status {
	if scope == nil {
		scope = All()
	}
	ruledBy := map[Model][]Anomaly{}
	seen := map[Anomaly]bool{}
	for _, a := range e.Found {
		if seen[a] {
			continue
		}
		seen[a] = true
		for _, m := range RulesOut(a) {
			ruledBy[m] = append(ruledBy[m], a)
		}
	}

	want := map[Model]bool{}
	var unknown []Model
	for _, m := range scope {
		if want[m] {
			continue
		}
		want[m] = true
		if !Known(m) {
			unknown = append(unknown, m)
		}
	}
	var out []Status
	for _, m := range All() {
		if want[m] {
			out = append(out, summarize(m, e, ruledBy))
		}
	}
	for _, m := range unknown {
		out = append(out, Status{Model: m, State: StateNotChecked, Because: fmt.Sprintf("unknown consistency model %q", m)})
	}
	return out
}

// summarize is one known model's Status.
func summarize(m Model, e Evidence, ruledBy map[Model][]Anomaly) Status {
	checker, direct := e.Holds[m]
	// The verified models stronger than m, strongest first, split by
	// whether the evidence also rules them out.
	var clean, contradicted []Model
	for _, s := range Stronger(m) {
		if _, ok := e.Holds[s]; !ok {
			continue
		}
		if len(ruledBy[s]) > 0 {
			contradicted = append(contradicted, s)
		} else {
			clean = append(clean, s)
		}
	}

	if found := ruledBy[m]; len(found) > 0 {
		st := Status{Model: m, State: StateRuledOut, Anomalies: found}
		var claims []string
		if direct {
			claims = append(claims, checkedBy(checker))
		}
		for _, s := range append(clean, contradicted...) {
			claims = append(claims, impliedBy(s, e.Holds[s]))
		}
		if len(claims) > 0 {
			st.Because = fmt.Sprintf("evidence contradicts itself: %s; but found anomalies rule it out: %s",
				strings.Join(claims, "; "), joinAnomalies(found))
		}
		return st
	}
	if direct {
		return Status{Model: m, State: StateHolds, Because: checkedBy(checker)}
	}
	if len(clean) > 0 {
		s := weakestOf(clean)
		return Status{Model: m, State: StateHolds, Because: impliedBy(s, e.Holds[s])}
	}
	if len(contradicted) > 0 {
		s := weakestOf(contradicted)
		return Status{Model: m, State: StateNotChecked, Because: fmt.Sprintf(
			"would be implied by %s, but the evidence for %s contradicts itself (%s found)", s, s, joinAnomalies(ruledBy[s]))}
	}
	if why := e.Checked[m]; why != "" {
		return Status{Model: m, State: StateNotChecked, Because: why}
	}
	return Status{Model: m, State: StateNotChecked, Because: noChecker}
}

// weakestOf is the first model of ms (in All's order) that implies no
// other model of ms: the closest to the model it is cited for.
func weakestOf(ms []Model) Model {
	for _, m := range ms {
		weakest := true
		for _, o := range ms {
			if o != m && Implies(m, o) {
				weakest = false
				break
			}
		}
		if weakest {
			return m
		}
	}
	return ms[len(ms)-1]
}

// checkedBy is the Because of a model a checker verified.
func checkedBy(checker string) string {
	if checker == "" {
		return "checked by an unnamed checker"
	}
	return "checked: " + checker
}

// impliedBy is the Because of a model a verified stronger one implies.
func impliedBy(s Model, checker string) string {
	return fmt.Sprintf("implied by %s (%s)", s, checkedBy(checker))
}

// joinAnomalies is as, comma-separated.
func joinAnomalies(as []Anomaly) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
