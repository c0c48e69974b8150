package checker

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/history"
)

// Every counting checker reports, in typed Anomalies, the same counts as
// its details and its verdict: a bad history counts at least one of the
// kind that makes it bad, a good one counts zero of every kind it
// measured.
func TestCheckersCountTypedAnomalies(t *testing.T) {
	for _, c := range []struct {
		file  string
		check Checker
		kind  Anomaly
		bad   bool
	}{
		{"queue-bad-lost.jsonl", TotalQueue{}, AnomalyLostMessage, true},
		{"queue-bad-dup.jsonl", TotalQueue{}, AnomalyDuplicatedMessage, true},
		{"queue-ok-02-concurrent.jsonl", TotalQueue{}, AnomalyLostMessage, false},
		{"convergence-bad-kv-diverged.jsonl", Convergence{}, AnomalyDivergentKey, true},
		{"convergence-ok-01-kv-agree.jsonl", Convergence{}, AnomalyDivergentKey, false},
		{"convergence-bad-set-lost-ack.jsonl", Set{}, AnomalyLostWrite, true},
		{"convergence-ok-03-set-info-add-present.jsonl", Set{}, AnomalyLostWrite, false},
		{"register-bad-lost-write.jsonl", Linearizable{Model: CASRegister()}, AnomalyNonLinearizableKey, true},
		{"register-bad-one-key-of-two.jsonl", Linearizable{Model: CASRegister()}, AnomalyNonLinearizableKey, true},
		{"register-bad-stale-read.jsonl", StaleReads{}, AnomalyStaleRead, true},
		{"register-ok-01-sequential.jsonl", StaleReads{}, AnomalyStaleRead, false},
		{"register-ok-01-sequential.jsonl", Linearizable{Model: CASRegister()}, AnomalyNonLinearizableKey, false},
	} {
		h, err := history.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		r := c.check.Check(context.Background(), h)
		n, ok := r.Anomalies[c.kind]
		switch {
		case !ok:
			t.Errorf("%s: %s did not count %s: %+v", c.file, c.check.Name(), c.kind, r.Anomalies)
		case c.bad && n == 0:
			t.Errorf("%s: %s counted no %s (verdict %s: %s)", c.file, c.check.Name(), c.kind, r.Verdict, r.Summary)
		case !c.bad && r.Anomalies.Total() != 0:
			t.Errorf("%s: %s counted %v on a good history", c.file, c.check.Name(), r.Anomalies)
		}
	}
}

func TestAnomalyOrderAndLabels(t *testing.T) {
	got := OrderAnomalies([]Anomaly{"zz-custom", AnomalyDivergentKey, AnomalyNonLinearizableKey, "aa-custom"})
	want := []Anomaly{AnomalyNonLinearizableKey, AnomalyDivergentKey, "aa-custom", "zz-custom"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if Anomaly("torn-pages").Label() != "torn pages" || AnomalyLostMessage.Short() != "lost msgs" {
		t.Errorf("labels: %q %q", Anomaly("torn-pages").Label(), AnomalyLostMessage.Short())
	}
}
