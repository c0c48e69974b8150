package checker

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/faultline/faultline/history"
)

// ErrBadInput is wrapped by errors about what the user asked for: an unknown
// model or format, a history whose values do not fit the model. The CLI maps
// it to exit code 254.
var ErrBadInput = errors.New("bad input")

// Checker is a pure function from a history to a result. Check must not
// touch the network or the clock (beyond honouring ctx), and must not leave
// goroutines running when it returns.
type Checker interface {
	Name() string
	Check(ctx context.Context, h history.History) Result
}

// Run runs the checkers concurrently on h and combines their results
// (invalid > unknown > valid). A checker that panics yields unknown with the
// panic in its Summary, never valid. Two checkers with the same name are
// kept apart as NAME and NAME-2. The checkers share DefaultMemoryBudget:
// see RunBudget.
func Run(ctx context.Context, h history.History, checkers ...Checker) Results {
	return RunBudget(ctx, h, 0, checkers...)
}

// RunBudget is Run with a memory budget (bytes of live heap; 0 means
// DefaultMemoryBudget) shared by every checker, whatever its own search
// does: when the heap passes it, every checker still running is cancelled,
// and each one that did not find an anomaly before that is unknown, saying
// so, never valid.
func RunBudget(ctx context.Context, h history.History, budget int64, checkers ...Checker) Results {
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	ctx, over, stop := withMemoryBudget(ctx, budget)
	defer stop()
	names := make([]string, len(checkers))
	seen := map[string]int{}
	for i, c := range checkers {
		n := safeName(c, i)
		seen[n]++
		if seen[n] > 1 {
			n += "-" + strconv.Itoa(seen[n])
		}
		names[i] = n
	}
	results := make([]Result, len(checkers))
	var wg sync.WaitGroup
	for i, c := range checkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runOne(ctx, names[i], c, h)
			if over.Load() && r.Verdict != Invalid {
				r = overBudget(r, budget)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	rs := make(map[string]Result, len(checkers))
	for i, r := range results {
		rs[names[i]] = r
	}
	return Combine(rs)
}

func safeName(c Checker, i int) (name string) {
	defer func() {
		if recover() != nil || name == "" {
			name = "checker-" + strconv.Itoa(i+1)
		}
	}()
	return c.Name()
}

func runOne(ctx context.Context, name string, c Checker, h history.History) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Result{
				Verdict: Unknown,
				Summary: fmt.Sprintf("checker %s panicked: %v", name, p),
				Details: map[string]any{"stack": string(debug.Stack())},
			}
		}
	}()
	r = c.Check(ctx, h)
	if r.Verdict != Valid && r.Verdict != Invalid && r.Verdict != Unknown {
		r = Result{Verdict: Unknown, Summary: fmt.Sprintf("checker %s returned verdict %q", name, r.Verdict), Details: r.Details, Decides: r.Decides}
	}
	return r
}

// overBudget is what a checker's result becomes when the shared memory
// budget ran out while it ran: unknown, with its own summary kept.
func overBudget(r Result, budget int64) Result {
	sum := fmt.Sprintf("stopped: the checks' heap passed the memory budget of %d MiB", budget>>20)
	if r.Summary != "" {
		sum += " (" + r.Summary + ")"
	}
	r.Verdict = Unknown
	r.Summary = sum
	r.Anomalies = nil
	r.Verified = nil
	return r
}
