package checker

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// DefaultTimeout bounds a linearizability check when Linearizable.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// MaxExplainOps is the largest key the verbose explanation pass takes on;
// a larger illegal key is reported without the explanation.
const MaxExplainOps = 50_000

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
	// ExplainTimeout bounds the second, verbose pass that explains the
	// first illegal key; 0 means 10s. It runs only on an invalid verdict,
	// and only when that key has at most MaxExplainOps ops (the verbose
	// search keeps partial linearizations per op: its memory grows faster
	// than the history).
	ExplainTimeout time.Duration
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
// illegal key explained).
func (l Linearizable) Check(ctx context.Context, h history.History) Result {
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
	// A history of one key (a Jepsen single register) leaves every core but
	// one idle during the verdict pass: the explanation pass starts at once
	// on an idle core, and is cancelled if the verdict is not invalid.
	var spec *speculation
	if workers := l.Workers; len(prep.keys) == 1 && (workers > 1 || workers <= 0 && runtime.NumCPU() > 1) {
		for k := range prep.keys {
			spec = l.startExplain(ctx, prep, k)
		}
		defer spec.abort()
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	out := checkKeys(tctx, l.Model.Porcupine, prep.keys, l.Workers, true)
	timedOut := tctx.Err() != nil
	cancel()

	var illegal, unknown []string
	for k, r := range out {
		switch r {
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
		var a *anomaly
		if spec != nil && spec.key == illegal[0] {
			a = spec.wait()
		} else {
			a = l.explain(ctx, prep, illegal[0])
		}
		if a != nil {
			details["anomaly"] = a.details()
			summary += ": " + a.String()
		}
		if len(illegal) > 1 {
			summary += fmt.Sprintf(" (and %d more keys: %s)", len(illegal)-1, quoteList(illegal[1:], 5))
		}
		return Result{Verdict: Invalid, Summary: summary, Details: details}
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
	return Result{Verdict: Valid, Summary: fmt.Sprintf("linearizable (%s)", activity), Details: details}
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

// speculation is an explanation pass running beside the verdict pass.
type speculation struct {
	key    string
	cancel context.CancelFunc
	done   chan *anomaly
	result *anomaly
	joined bool
}

// startExplain starts explain(key) in a goroutine, within its own budget.
func (l Linearizable) startExplain(ctx context.Context, prep *prepared, key string) *speculation {
	ectx, cancel := context.WithCancel(ctx)
	s := &speculation{key: key, cancel: cancel, done: make(chan *anomaly, 1)}
	go func() { s.done <- l.explain(ectx, prep, key) }()
	return s
}

// wait returns the explanation (nil if the pass could not give one).
func (s *speculation) wait() *anomaly {
	if !s.joined {
		s.result, s.joined = <-s.done, true
		s.cancel()
	}
	return s.result
}

// abort stops the pass if it still runs and waits for its goroutine.
func (s *speculation) abort() {
	s.cancel()
	s.wait()
}

// explain reruns the check of one illegal key verbosely and describes the
// longest linearizable prefix and the op that cannot follow it. It returns
// nil if the verbose pass does not finish in time.
func (l Linearizable) explain(ctx context.Context, prep *prepared, key string) *anomaly {
	if len(prep.keys[key]) > MaxExplainOps {
		return nil
	}
	budget := l.ExplainTimeout
	if budget <= 0 {
		budget = 10 * time.Second
	}
	ectx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	stop, release := stopOn(ectx)
	defer release()
	res, info := checkKey(l.Model.Porcupine, prep.keys[key], stop, true)
	if res != porcupine.Illegal {
		return nil
	}
	return explainIllegal(l.Model.Porcupine, key, prep.keys[key], info)
}
