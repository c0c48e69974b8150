package checker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// hog grows the heap until its context ends, then says valid, as a
// checker that does not look at why it was stopped would.
type hog struct{ held [][]byte }

func (*hog) Name() string { return "hog" }

func (c *hog) Check(ctx context.Context, h history.History) Result {
	for ctx.Err() == nil && len(c.held) < 1<<10 { // 1 GiB at most; the budget stops it long before
		c.held = append(c.held, make([]byte, 1<<20))
		time.Sleep(time.Millisecond) // let the budget's watcher see the heap grow
	}
	return Result{Verdict: Valid, Summary: "looked fine"}
}

// early finishes at once.
type early struct{}

func (early) Name() string { return "early" }
func (early) Check(context.Context, history.History) Result {
	return Result{Verdict: Valid, Summary: "fine"}
}

func TestRunBudgetMakesOverBudgetCheckersUnknown(t *testing.T) {
	h := &hog{}
	res := RunBudget(context.Background(), nil, 64<<20, h)
	r := res.Checkers["hog"]
	if r.Verdict != Unknown {
		t.Fatalf("a checker stopped by the memory budget says %s: %s", r.Verdict, r.Summary)
	}
	if !strings.Contains(r.Summary, "memory budget of 64 MiB") || !strings.Contains(r.Summary, "looked fine") {
		t.Errorf("summary %q should name the budget and keep the checker's own words", r.Summary)
	}
	if res.Verdict != Unknown {
		t.Errorf("combined verdict %s, want unknown", res.Verdict)
	}
	h.held = nil
}

func TestRunBudgetLeavesCheckersWithinBudgetAlone(t *testing.T) {
	res := RunBudget(context.Background(), nil, 0, early{})
	if r := res.Checkers["early"]; r.Verdict != Valid || r.Summary != "fine" {
		t.Fatalf("a checker well within the default budget became %s: %s", r.Verdict, r.Summary)
	}
}
