package final

import (
	"context"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// TestConvergenceReadsWhatFinalWrites: the history this phase records is
// the one checker.Convergence judges, in both directions.
func TestConvergenceReadsWhatFinalWrites(t *testing.T) {
	for _, c := range []struct {
		lag  int
		want checker.Verdict
	}{{2, checker.Valid}, {-1, checker.Invalid}} {
		rec := &memRecorder{}
		heal := history.Op{Process: history.Nemesis, Type: history.Invoke, F: checker.HealF}
		inv, _ := rec.Record(heal)
		rec.Record(inv.Complete(history.OK, nil, ""))
		for _, kv := range []bool{true, false} {
			l := newLagging(map[string]int{"k1": c.lag, "s1": c.lag})
			opts := Options{Nodes: nodes, Interval: time.Millisecond, Timeout: 20 * time.Millisecond}
			var err error
			if kv {
				opts.Keys = []string{"k0", "k1"}
				_, err = ReadKV(context.Background(), rec, l, opts)
			} else {
				opts.Keys = []string{"s0", "s1"}
				opts.Process = FirstProcess + 10
				_, err = ReadSets(context.Background(), rec, l, opts)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		// Elements 1, 2 and 7 were added to both sets and acknowledged.
		for _, key := range []string{"s0", "s1"} {
			for i, e := range []int{1, 2, 7} {
				add := history.Op{Process: history.Process(i), Type: history.Invoke, F: "add", Key: key, Value: history.Raw(e)}
				inv, _ := rec.Record(add)
				rec.Record(inv.Complete(history.OK, inv.Value, ""))
			}
		}
		res := checker.Convergence{}.Check(context.Background(), rec.h)
		if res.Verdict != c.want {
			t.Fatalf("lag %d: %s %q", c.lag, res.Verdict, res.Summary)
		}
		if c.want == checker.Valid && res.Details["time_to_converge_ms"] == nil {
			t.Fatalf("converged without a time to converge: %v", res.Details)
		}
	}
}
