package checker

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// A prefix can only be invalid if the whole history is (checkFIFOPrefix's
// prefix argument), at every cut: checked against the brute-force oracle on
// random small queue histories, cut after every number of invocations.
func TestFIFOPrefixIsSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := FIFOQueue()
	caught := 0
	for k := range 2000 {
		ops, h := randomQueueHistory(rng)
		total := len(ops)
		whole := qOracle(ops)
		for n := 1; n < total; n++ {
			r, _ := checkFIFOPrefix(context.Background(), m, h, n, total, time.Second)
			if r.Verdict == Invalid && whole {
				t.Fatalf("history %d cut at %d invocations: prefix invalid, whole history valid\n%s\nsummary: %s", k, n, showHistory(h), r.Summary)
			}
			if r.Verdict == Invalid {
				caught++
			}
		}
	}
	if caught < 100 {
		t.Fatalf("only %d invalid prefixes: the sample does not exercise the cut", caught)
	}
	t.Logf("%d invalid prefixes, each of an invalid history", caught)
}

// An op in flight at the cut that completed ok later is held to its output
// (or to the end of time): here dequeue d1 is in flight at the cut and
// later returns 1, which d2 already returned, so the empty queue d3 saw
// before the cut is impossible. Treating d1 as indeterminate (it removes
// whatever the head is) would call the prefix valid.
func TestFIFOPrefixUsesLaterOutputs(t *testing.T) {
	h := queueHistory(
		qop(1, history.Invoke, "enqueue", "1"), qop(1, history.OK, "enqueue", "1"),
		qop(1, history.Invoke, "enqueue", "2"), qop(1, history.OK, "enqueue", "2"),
		qop(2, history.Invoke, "dequeue", ""),                                     // d1
		qop(3, history.Invoke, "dequeue", ""), qop(3, history.OK, "dequeue", "1"), // d2
		qop(3, history.Invoke, "dequeue", ""), qop(3, history.OK, "dequeue", "null"), // d3
		qop(1, history.Invoke, "enqueue", "3"),
		qop(2, history.OK, "dequeue", "1"), // d1 completes after the cut
		qop(1, history.OK, "enqueue", "3"),
	)
	r := FIFOLinearizable{MaxOps: 5}.Check(context.Background(), h)
	if r.Verdict != Invalid || r.Details["prefix_only"] != true {
		t.Fatalf("want an invalid prefix: %+v", r)
	}
}
