package checker

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// DefaultTimeout bounds a linearizability check when Linearizable.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// Linearizable checks that the client ops of a history, split by key, are
// linearizable with respect to Model, using porcupine. Keys are checked in
// parallel and the check stops at the first illegal key.
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
}

// Name is "linearizable".
func (l Linearizable) Name() string { return "linearizable" }

// Check implements Checker. Details: model, keys (how many), illegal_keys,
// unknown_keys (timed out), unchecked_keys (skipped after a violation was
// found), ops (counts by outcome) and, when invalid, anomaly (the first
// illegal key explained). A model with a check of its own (the queue's,
// FIFO) is checked by it instead, with its details.
func (l Linearizable) Check(ctx context.Context, h history.History) Result {
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
	tctx, cancel := context.WithTimeout(ctx, timeout)
	out := checkKeys(tctx, l.Model, prep.keys, l.Workers, true)
	timedOut := tctx.Err() != nil
	cancel()

	var illegal, unknown []string
	for k, r := range out {
		switch r.res {
		case porcupine.Illegal:
			illegal = append(illegal, k)
		case porcupine.Unknown:
			unknown = append(unknown, k)
		}
	}
	sort.Strings(illegal)
	sort.Strings(unknown)
	details := map[string]any{
		"model":          l.Model.Name,
		"keys":           len(prep.keys),
		"illegal_keys":   nonNil(illegal),
		"unknown_keys":   nonNil(unknown),
		"unchecked_keys": len(prep.keys) - len(out),
		"ops":            prep.counts.details(),
	}
	c := prep.counts
	activity := fmt.Sprintf("%d keys, %d ok, %d info, %d open, %d fail client ops", len(prep.keys), c.OK, c.Info, c.Open, c.Fail)

	if len(illegal) > 0 {
		summary := fmt.Sprintf("key %q not linearizable", illegal[0])
		if len(prep.keys) == 1 && illegal[0] == "" {
			summary = "not linearizable"
		}
		k := illegal[0]
		if a := explainIllegal(l.Model.Porcupine, k, prep.keys[k], out[k].prefix, out[k].state); a != nil {
			details["anomaly"] = a.details()
			summary += ": " + a.String()
		}
		if len(illegal) > 1 {
			summary += fmt.Sprintf(" (and %d more keys: %s)", len(illegal)-1, quoteList(illegal[1:], 5))
		}
		return Result{Verdict: Invalid, Summary: summary, Details: details, Anomalies: Anomalies{AnomalyNonLinearizableKey: len(illegal)}}
	}
	if len(unknown) > 0 {
		why := fmt.Sprintf("timed out after %s", timeout)
		if !timedOut || ctx.Err() != nil {
			why = "cancelled"
		}
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
