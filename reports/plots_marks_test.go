package reports

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/checker"
)

// The plots mark when the op that cannot be linearized completed: in
// badRun, the stale read of k1 invoked at 5s, answered 3ms later.
func TestAnomalyMarks(t *testing.T) {
	h := badRun()
	_, res := writeRunDir(t, t.TempDir(), "register-naive-register", "20260101T000000.000", h, []string{"partition", "kill"})
	if res.Verdict != checker.Invalid {
		t.Fatalf("fixture verdict %s, want invalid", res.Verdict)
	}
	if got := anomalyMarks(h, res); !slices.Equal(got, []int64{5*sec + 3e6}) {
		t.Errorf("marks %v, want [%d]", got, 5*sec+3e6)
	}
	for name, r := range res.Checkers {
		r.Verdict = checker.Valid
		res.Checkers[name] = r
	}
	if got := anomalyMarks(h, res); got != nil {
		t.Errorf("marks %v for a valid run", got)
	}
}
