package checker

import (
	"encoding/json"

	"github.com/faultline/faultline/models"
)

// Verdict is a checker's answer. Verdicts merge as invalid > unknown > valid.
type Verdict string

const (
	Valid   Verdict = "valid"
	Invalid Verdict = "invalid"
	Unknown Verdict = "unknown"
)

func rank(v Verdict) int {
	switch v {
	case Invalid:
		return 2
	case Valid:
		return 0
	default:
		return 1 // unknown, and anything unexpected, is never valid
	}
}

// Merge returns the worst of the verdicts: invalid > unknown > valid.
// No verdicts at all is unknown: nothing was checked.
func Merge(vs ...Verdict) Verdict {
	if len(vs) == 0 {
		return Unknown
	}
	worst := Valid
	for _, v := range vs {
		if rank(v) > rank(worst) {
			worst = v
			if v != Valid && v != Invalid {
				worst = Unknown
			}
		}
	}
	return worst
}

// Result is one checker's result. Summary is a one-line human explanation
// (the anomaly, or why unknown); Details holds checker-specific data that is
// written into results.json under the checker's name. Anomalies and
// Measures are the figures campaigns compare, typed so that any checker's
// appear there without code that knows the checker: Anomalies counts every
// anomaly kind the checker measured, Measures holds other figures by name
// (a unit suffix in the name, e.g. converge_ms).
type Result struct {
	Verdict   Verdict            `json:"verdict"`
	Summary   string             `json:"summary,omitempty"`
	Anomalies Anomalies          `json:"anomalies,omitempty"`
	Measures  map[string]float64 `json:"measures,omitempty"`
	Details   map[string]any     `json:"details,omitempty"`
	// Informational: the checker only counts (stale reads, unless strict);
	// its figures inform and its verdict never claims a property held.
	// An informational checker's invalid still makes the run invalid (what
	// it found rules out the model the test asked for, which implies the
	// weaker one it checks); its valid or unknown leaves the run's verdict
	// to the others.
	Informational bool `json:"informational,omitempty"`

	// Decides lists the consistency models (package models) this checker
	// decides; Verified those it found to hold over the whole history, and
	// Found the lattice anomalies it found. Combine turns them into
	// Results.Models. A checker that stopped early (timeout, memory) lists
	// nothing as verified.
	Decides  []models.Model   `json:"decides,omitempty"`
	Verified []models.Model   `json:"verified,omitempty"`
	Found    []models.Anomaly `json:"found,omitempty"`
}

// Results is the content of results.json.
type Results struct {
	Verdict  Verdict           `json:"verdict"`
	Checkers map[string]Result `json:"checkers"`
	Stats    json.RawMessage   `json:"stats,omitempty"`
	// Models says, for every consistency model the checkers decide and
	// every model weaker than one of them, whether it holds, is ruled out
	// (by which anomaly) or was not checked, strongest first.
	Models []models.Status `json:"models,omitempty"`
}

// Combine merges per-checker results into Results: the worst verdict of
// the checkers that judge (an informational checker's valid or unknown
// does not count when another checker judges), and the models' states.
func Combine(rs map[string]Result) Results {
	vs := make([]Verdict, 0, len(rs))
	judges := false
	for _, r := range rs {
		if !r.Informational {
			judges = true
		}
	}
	for _, r := range rs {
		if judges && r.Informational && r.Verdict != Invalid {
			continue
		}
		vs = append(vs, r.Verdict)
	}
	return Results{Verdict: Merge(vs...), Checkers: rs, Models: summarizeModels(rs)}
}
