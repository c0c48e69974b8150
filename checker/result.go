package checker

import "encoding/json"

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
	Informational bool `json:"informational,omitempty"`
}

// Results is the content of results.json.
type Results struct {
	Verdict  Verdict           `json:"verdict"`
	Checkers map[string]Result `json:"checkers"`
	Stats    json.RawMessage   `json:"stats,omitempty"`
}

// Combine merges per-checker results into Results.
func Combine(rs map[string]Result) Results {
	vs := make([]Verdict, 0, len(rs))
	for _, r := range rs {
		vs = append(vs, r.Verdict)
	}
	return Results{Verdict: Merge(vs...), Checkers: rs}
}
