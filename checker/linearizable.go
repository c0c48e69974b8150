package checker

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/models"
)

// DefaultTimeout bounds a linearizability check when Linearizable.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// Linearizable checks that the client ops of a history, split by key, are
// linearizable with respect to Model, using porcupine. Every key is checked,
// in parallel, within the budget; the result says how many keys failed,
// passed and were left unchecked, and explains the earliest anomaly in
// history order first, so the same history always gives the same report.
//
// The verdict is never a false valid: a timeout (or a cancelled ctx) with no
// violation found is unknown, and so is a history with fewer than MinOK ok
// client ops.
type Linearizable struct {
	// Model is the sequential specification (CASRegister, KV). Required.
	Model Model
	// Timeout bounds the whole check; 0 means DefaultTimeout.
	Timeout time.Duration
	// MinOK is the number of ok client ops below which a history means too
	// little to be called valid; 0 means 1, negative means no minimum.
	MinOK int
	// Workers is how many keys are checked at once; 0 means NumCPU.
	Workers int
	// MemoryBudget bounds the heap the search may grow to, in bytes; 0
	// means DefaultMemoryBudget. Past it the unfinished keys are unknown.
	MemoryBudget int64
	// StopEarly stops at the first illegal key found (for CI that wants a
	// verdict fast): the keys not yet finished are left unchecked, and which
	// illegal key is found first depends on scheduling.
	StopEarly bool
}

// Name is "linearizable".
func (l Linearizable) Name() string { return "linearizable" }

// Check implements Checker. Details: model, keys (how many), illegal_keys
// (earliest anomaly first), passed_keys, unknown_keys (timed out),
// unchecked_keys (skipped after a violation, with StopEarly), ops (counts by
// outcome) and, when invalid, anomaly (the earliest explained) and
// anomalies (up to 20 illegal keys explained, in history order). A model
// with a check of its own (the queue's, FIFO) is checked by it instead,
// with its details.
func (l Linearizable) Check(ctx context.Context, h history.History) Result {
	return decidesLinearizable(l.check0(ctx, h))
}

// decidesLinearizable says what a linearizability result means for the
// lattice: valid verifies linearizability, invalid finds a
// non-linearizable history.
func decidesLinearizable(r Result) Result {
	r.Decides = []models.Model{models.Linearizable}
	switch r.Verdict {
	case Valid:
		r.Verified = []models.Model{models.Linearizable}
	case Invalid:
		r.Found = []models.Anomaly{models.Nonlinearizable}
	}
	return r
}

func (l Linearizable) check0(ctx context.Context, h history.History) Result {
	if l.Model.check != nil {
		r, err := l.Model.check(ctx, h, l)
		if err != nil {
			return Result{Verdict: Unknown, Summary: err.Error()}
		}
		return r
	}
	prep, err := l.Model.prepare(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	return l.check(ctx, prep)
}

func (l Linearizable) check(ctx context.Context, prep *prepared) Result {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	mctx, overMemory, release := withMemoryBudget(ctx, l.MemoryBudget)
	tctx, cancel := context.WithTimeout(mctx, timeout)
	out := checkKeys(tctx, l.Model, prep.keys, l.Workers, l.StopEarly)
	timedOut := tctx.Err() != nil
	cancel()
	release()

	var illegal, unknown []string
	passed := 0
	for k, r := range out {
		switch r.res {
		case porcupine.Illegal:
			illegal = append(illegal, k)
		case porcupine.Unknown:
			unknown = append(unknown, k)
		default:
			passed++
		}
	}
	sort.Strings(unknown)
	// Explain every illegal key and order them by their culprit's place in
	// the history (its return, then its call, then the key), so the report
	// leads with the earliest anomaly, deterministically.
	explained := map[string]*anomaly{}
	for _, k := range illegal {
		explained[k] = explainIllegal(l.Model.Porcupine, k, prep.keys[k], out[k].prefix, out[k].state)
	}
	sort.Slice(illegal, func(i, j int) bool {
		ai, aj := explained[illegal[i]], explained[illegal[j]]
		switch {
		case ai != nil && aj != nil && ai.Culprit.Return != aj.Culprit.Return:
			return ai.Culprit.Return < aj.Culprit.Return
		case ai != nil && aj != nil && ai.Culprit.Call != aj.Culprit.Call:
			return ai.Culprit.Call < aj.Culprit.Call
		case (ai == nil) != (aj == nil):
			return ai != nil
		}
		return illegal[i] < illegal[j]
	})
	unchecked := len(prep.keys) - len(out)
	details := map[string]any{
		"model":          l.Model.Name,
		"keys":           len(prep.keys),
		"illegal_keys":   nonNil(illegal),
		"passed_keys":    passed,
		"unknown_keys":   nonNil(unknown),
		"unchecked_keys": unchecked,
		"ops":            prep.counts.details(),
	}
	c := prep.counts
	activity := fmt.Sprintf("%d keys, %d ok, %d info, %d open, %d fail client ops", len(prep.keys), c.OK, c.Info, c.Open, c.Fail)
	if prep.torn {
		// Said in every verdict: what was checked is the history before it.
		activity += "; the last line was torn (cut off mid-write) and not checked"
		details["torn_tail"] = true
	}
	why := fmt.Sprintf("timed out after %s", timeout)
	switch {
	case overMemory.Load():
		budget := l.MemoryBudget
		if budget <= 0 {
			budget = DefaultMemoryBudget
		}
		why = fmt.Sprintf("stopped at the memory budget of %d MiB", budget>>20)
		details["memory_budget_exceeded"] = true
	case !timedOut || ctx.Err() != nil:
		why = "cancelled"
	}

	if len(illegal) > 0 {
		summary := fmt.Sprintf("key %q not linearizable", illegal[0])
		if len(prep.keys) == 1 && illegal[0] == "" {
			summary = "not linearizable"
		}
		if a := explained[illegal[0]]; a != nil {
			details["anomaly"] = a.details()
			summary += ": " + a.String()
		}
		var all []map[string]any
		for _, k := range illegal[:min(len(illegal), 20)] {
			if a := explained[k]; a != nil {
				all = append(all, a.details())
			}
		}
		details["anomalies"] = all
		if len(prep.keys) > 1 {
			summary += fmt.Sprintf(" (%d of %d keys failed", len(illegal), len(prep.keys))
			if len(illegal) > 1 {
				summary += ": " + quoteList(illegal, 5)
			}
			summary += fmt.Sprintf("; %d passed", passed)
			if len(unknown) > 0 {
				summary += fmt.Sprintf("; %d unchecked, %s", len(unknown), why)
			}
			if unchecked > 0 {
				summary += fmt.Sprintf("; %d unchecked, stopped at the first failure (StopEarly)", unchecked)
			}
			summary += ")"
		}
		return Result{Verdict: Invalid, Summary: summary, Details: details, Anomalies: Anomalies{AnomalyNonLinearizableKey: len(illegal)}}
	}
	if len(unknown) > 0 {
		return Result{
			Verdict: Unknown,
			Summary: fmt.Sprintf("%s with %d of %d keys unchecked (%s), no violation found so far (%s)", why, len(unknown), len(prep.keys), quoteList(unknown, 5), activity),
			Details: details,
		}
	}
	minOK := l.MinOK
	if minOK == 0 {
		minOK = 1
	}
	if c.OK < minOK {
		return Result{
			Verdict: Unknown,
			Summary: fmt.Sprintf("too little activity: %d ok client ops, at least %d needed to mean anything (%s)", c.OK, minOK, activity),
			Details: details,
		}
	}
	return Result{Verdict: Valid, Summary: fmt.Sprintf("linearizable (%s)", activity), Details: details, Anomalies: Anomalies{AnomalyNonLinearizableKey: 0}}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func quoteList(ks []string, n int) string {
	var parts []string
	for i, k := range ks {
		if i == n {
			parts = append(parts, fmt.Sprintf("... %d more", len(ks)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%q", k))
	}
	return strings.Join(parts, ", ")
}

// IllegalKeys returns the keys a linearizable Result found illegal, for
// WriteTimeline.
func IllegalKeys(r Result) []string {
	ks, _ := r.Details["illegal_keys"].([]string)
	return ks
}
