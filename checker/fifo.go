package checker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/history"
)

// DefaultFIFOAssignments is FIFO.MaxAssignments when 0.
const DefaultFIFOAssignments = 100_000

// FIFO checks a whole queue history for linearizability against a FIFO
// queue (the model FIFOQueue: f enqueue with the value on invoke, f
// dequeue with the value removed or null on ok, and the drain's
// dequeue-outcome records for indeterminate dequeues). When the enqueued
// values are unique (the queue workload's are) it needs no search: a
// history is linearizable iff it shows none of the violation patterns of
// fifo_patterns.go, found in O(n log n) over the whole history.
//
// Uncertain ops are read soundly: a fail did not happen; an indeterminate
// (info or open) enqueue may have happened (it did if its value was
// dequeued); an indeterminate dequeue whose outcome was recorded did what
// the record says, before the record was made; one without may have
// removed any one value or nothing. Which unresolved dequeue took which
// never-dequeued value is decided by fifoSolver, exactly, or with a
// bounded search: past MaxAssignments instances or Timeout the verdict
// is unknown, never valid. Values enqueued more than once fall back to
// porcupine's exhaustive search of the whole history, within Timeout.
//
// Invalid results name every violation (Details.violations, the earliest
// in history order first, at most 100 listed) and count them by kind in
// Anomalies (fifo-order, fifo-empty, fifo-fresh, fifo-repeat).
type FIFO struct {
	// Timeout bounds the searches (assignments, or porcupine when values
	// repeat); 0 means DefaultFIFOTimeout. The pattern check itself is not
	// bounded: it is O(n log n).
	Timeout time.Duration
	// MinOK is the number of ok client ops below which a history means too
	// little to be called valid; 0 means 1, negative means no minimum.
	MinOK int
	// MaxAssignments bounds the instances the assignment search checks; 0
	// means DefaultFIFOAssignments.
	MaxAssignments int
}

// Name is "linearizable": it is the queue's linearizability check.
func (f FIFO) Name() string { return "linearizable" }

// Check implements Checker. Details: model, method ("fifo-patterns" or,
// when values repeat, "porcupine"), keys, illegal_keys, unknown_keys
// (the queue is the one key ""), ops (counts by outcome), enqueues,
// dequeues (definite, empty ones included), empty_dequeues,
// unresolved_dequeues, resolved_dequeues, never_dequeued,
// unseen_indeterminate_enqueues (dropped: they change no verdict),
// decided_by, instances_checked and violations (when invalid: kind, index
// of the dequeue at fault, value, the ops involved with their times, and
// why in words).
func (f FIFO) Check(ctx context.Context, h history.History) Result {
	r, err := f.check(ctx, h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	return r
}

// check is Check with the ops it cannot read (wrapping ErrBadInput) as an
// error, for AnalyzeFile.
func (f FIFO) check(ctx context.Context, h history.History) (Result, error) {
	fh, err := readFIFO(h)
	if err != nil {
		return Result{}, err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFIFOTimeout
	}
	if !fh.unique {
		return f.porcupine(ctx, h, fh, timeout)
	}
	maxTried := f.MaxAssignments
	if maxTried <= 0 {
		maxTried = DefaultFIFOAssignments
	}
	fixed := fh.freshRepeat()
	d := newFIFOSolver(fh).solve(ctx, time.Now().Add(timeout), maxTried)
	if !d.decided {
		d.why = fmt.Sprintf("which of the %s the %s took could not be decided: each of the %d readings checked had violations when the bound (%d readings or %s) was reached",
			nouns(d.undequeued, "never-dequeued value"), nouns(len(fh.unresolved), "unresolved indeterminate dequeue"), d.tried, maxTried, timeout)
		if ctx.Err() != nil {
			d.why = fmt.Sprintf("the search of which of the %s the %s took was cancelled after %d readings", nouns(d.undequeued, "never-dequeued value"), nouns(len(fh.unresolved), "unresolved indeterminate dequeue"), d.tried)
		}
	}
	return f.result(fh, fixed, d), nil
}

func (f FIFO) result(fh *fifoHistory, fixed []fifoViolation, d fifoDecision) Result {
	c := fh.counts
	details := map[string]any{
		"model":                         "queue",
		"method":                        "fifo-patterns",
		"keys":                          min(1, len(fh.ops)),
		"illegal_keys":                  []string{},
		"unknown_keys":                  []string{},
		"ops":                           c.details(),
		"enqueues":                      fh.enqueues,
		"dequeues":                      fh.dequeues,
		"empty_dequeues":                len(fh.empties),
		"unresolved_dequeues":           len(fh.unresolved),
		"resolved_dequeues":             fh.resolved,
		"resolved_not_applied":          fh.notApplied,
		"never_dequeued":                d.undequeued,
		"unseen_indeterminate_enqueues": fh.unseen,
		"decided_by":                    d.how,
		"instances_checked":             d.tried,
	}
	activity := fmt.Sprintf("whole history: %s, %s (%d empty), %s; %d ok, %d info, %d open, %d fail client ops",
		nouns(fh.enqueues, "enqueue"), nouns(fh.dequeues, "dequeue"), len(fh.empties), nouns(len(fh.unresolved), "unresolved indeterminate dequeue"), c.OK, c.Info, c.Open, c.Fail)
	viols := append(slices.Clone(fixed), d.viols...)
	if len(viols) > 0 && (d.decided || len(fixed) > 0) {
		if len(fixed) > 0 && !d.decided {
			viols = fixed // the others are only an example of an undecided search
		}
		fifoSort(fh, viols)
		an := Anomalies{AnomalyFIFOOrder: 0, AnomalyFIFOEmpty: 0, AnomalyFIFOFresh: 0, AnomalyFIFORepeat: 0}
		for _, v := range viols {
			an[v.kind]++
		}
		r := fifoRenderer{fh: fh, in: d.inst}
		listed := make([]fifoReport, 0, min(len(viols), maxListed))
		for _, v := range viols[:min(len(viols), maxListed)] {
			listed = append(listed, r.report(v))
		}
		details["violations"] = listed
		details["illegal_keys"] = []string{""}
		var kinds []string
		for _, k := range an.Kinds() {
			if an[k] > 0 {
				kinds = append(kinds, fmt.Sprintf("%s: %d", k.Label(), an[k]))
			}
		}
		note := ""
		switch {
		case len(d.viols) > 0 && d.how == "relaxed":
			note = fmt.Sprintf(" (each holds whatever the %s did)", nouns(len(fh.unresolved), "unresolved indeterminate dequeue"))
		case len(d.viols) > 0 && d.how == "search":
			note = fmt.Sprintf(" (no reading of which of the %s took which of the %s is free of violations: %d checked; those listed are of the reading that hands the earliest dequeues to the earliest deadlines)", nouns(len(fh.unresolved), "unresolved indeterminate dequeue"), nouns(d.undequeued, "never-dequeued value"), d.tried)
		case !d.decided:
			note = " (and possibly more: " + d.why + ")"
		}
		summary := fmt.Sprintf("not linearizable: %s%s; first: %s (%s)", strings.Join(kinds, ", "), note, listed[0].Why, activity)
		return Result{Verdict: Invalid, Summary: summary, Details: details, Anomalies: an}
	}
	if !d.decided {
		details["unknown_keys"] = []string{""}
		return Result{Verdict: Unknown, Summary: "no certain violation, but " + d.why + " (" + activity + ")", Details: details}
	}
	minOK := f.MinOK
	if minOK == 0 {
		minOK = 1
	}
	if c.OK < minOK {
		return Result{Verdict: Unknown, Summary: fmt.Sprintf("too little activity: %d ok client ops, at least %d needed to mean anything (%s)", c.OK, minOK, activity), Details: details}
	}
	return Result{Verdict: Valid, Summary: "linearizable (" + activity + ")", Details: details,
		Anomalies: Anomalies{AnomalyFIFOOrder: 0, AnomalyFIFOEmpty: 0, AnomalyFIFOFresh: 0, AnomalyFIFORepeat: 0}}
}

// fifoSort orders violations by the invoke index of the dequeue at fault,
// then kind and value: the earliest in history order first, the same
// order for the same history every time.
func fifoSort(fh *fifoHistory, vs []fifoViolation) {
	slices.SortStableFunc(vs, func(a, b fifoViolation) int {
		return cmp.Or(
			cmp.Compare(fh.ops[a.op].index, fh.ops[b.op].index),
			cmp.Compare(a.kind, b.kind),
			cmp.Compare(a.value, b.value))
	})
}

// fifoRef is an op involved in a violation, as Details lists it.
type fifoRef struct {
	Index   int64  `json:"index"` // the invoke's index
	Process string `json:"process"`
	F       string `json:"f"`
	Type    string `json:"type"` // ok, info, open
	// Value is the enqueue's argument or the value the dequeue removed;
	// absent for an empty or unresolved dequeue.
	Value *int64 `json:"value,omitempty"`
	Empty bool   `json:"empty,omitempty"`
	Call  int64  `json:"call_ns"`
	// Return is absent when the op never returned (info, open).
	Return *int64 `json:"return_ns,omitempty"`
	// ResolvedBy is the dequeue-outcome op that told what an
	// indeterminate dequeue did.
	ResolvedBy *int64 `json:"resolved_by,omitempty"`
}

// fifoReport is one violation as Details lists it.
type fifoReport struct {
	Kind  Anomaly   `json:"kind"`
	Index int64     `json:"index"` // the invoke index of the dequeue at fault
	Value *int64    `json:"value,omitempty"`
	Ops   []fifoRef `json:"ops"` // the dequeue at fault first
	Why   string    `json:"why"`
}

type fifoRenderer struct {
	fh *fifoHistory
	in *fifoInstance
	cs *fifoCovers
}

func (r *fifoRenderer) ref(i int) fifoRef {
	o := &r.fh.ops[i]
	f := fifoRef{Index: o.index, Process: o.process.String(), F: "dequeue", Type: string(o.typ), Call: o.call}
	if o.enq {
		f.F = "enqueue"
	}
	if o.open {
		f.Type = "open"
	}
	v := o.value
	switch {
	case o.enq || (!o.empty && (o.typ == history.OK || o.resolved)):
		f.Value = &v
	case o.empty:
		f.Empty = true
	}
	if o.returned() && !o.resolved {
		ret := o.ret
		f.Return = &ret
	}
	if o.resolved {
		out := o.outcome
		f.ResolvedBy = &out
	}
	return f
}

// nouns is "1 enqueue", "2 enqueues".
func nouns(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

// secs writes a time (ns since the run started) in seconds.
func secs(ns int64) string { return strconv.FormatFloat(float64(ns)/1e9, 'f', -1, 64) + "s" }

// text names op i in a sentence, with its times: "dequeue op 12
// (process 3, 0.12s-0.13s)", "enqueue(8) op 9 (...)"; a resolved
// dequeue says what its outcome record told.
func (r *fifoRenderer) text(i int) string {
	o := &r.fh.ops[i]
	what := fmt.Sprintf("enqueue(%d) op %d", o.value, o.index)
	if !o.enq {
		what = fmt.Sprintf("dequeue op %d", o.index)
	}
	where := "process " + o.process.String()
	switch {
	case o.typ == history.Fail:
		where += fmt.Sprintf(", %s-%s, failed", secs(o.call), secs(o.ret))
	case o.resolved:
		took := fmt.Sprintf("took %d", o.value)
		if o.empty {
			took = "found the queue empty"
		}
		where += fmt.Sprintf(", %s, invoked %s; its outcome, told by op %d at %s: it %s", o.typ, secs(o.call), o.outcome, secs(o.ret), took)
	case o.returned():
		where += fmt.Sprintf(", %s-%s", secs(o.call), secs(o.ret))
	default:
		kind := string(o.typ)
		if o.open {
			kind = "open"
		}
		where += fmt.Sprintf(", %s, invoked %s, outcome unknown", kind, secs(o.call))
	}
	return what + " (" + where + ")"
}

// queued describes value a's stay in the queue for an empty's explanation.
func (r *fifoRenderer) queued(a *fifoVal) string {
	ops := r.fh.ops
	s := fmt.Sprintf("%d (enqueue op %d returned %s; ", a.v, ops[a.e].index, secs(ops[a.e].ret))
	switch {
	case a.d < 0:
		return s + "never dequeued)"
	case a.assigned:
		return s + fmt.Sprintf("no dequeue returned it, and the earliest that could have taken it, op %d, was invoked at %s)", ops[a.d].index, secs(ops[a.d].call))
	}
	return s + fmt.Sprintf("dequeued by op %d, invoked at %s)", ops[a.d].index, secs(ops[a.d].call))
}

func (r *fifoRenderer) report(v fifoViolation) fifoReport {
	ops := r.fh.ops
	rep := fifoReport{Kind: v.kind, Index: ops[v.op].index, Ops: []fifoRef{r.ref(v.op)}}
	if !ops[v.op].empty {
		val := ops[v.op].value
		rep.Value = &val
	}
	add := func(i int) {
		if i >= 0 {
			rep.Ops = append(rep.Ops, r.ref(i))
		}
	}
	switch v.kind {
	case AnomalyFIFOFresh:
		add(v.other)
		verb := "returned"
		if ops[v.op].resolved {
			verb = "removed"
		}
		switch {
		case v.other < 0:
			rep.Why = fmt.Sprintf("%s %s %d, which no enqueue put in", r.text(v.op), verb, v.value)
		case ops[v.other].gone:
			rep.Why = fmt.Sprintf("%s %s %d, whose only enqueue, %s, failed", r.text(v.op), verb, v.value, r.text(v.other))
		default:
			rep.Why = fmt.Sprintf("%s %s %d before its enqueue, %s, was invoked", r.text(v.op), verb, v.value, r.text(v.other))
		}
	case AnomalyFIFORepeat:
		add(v.other)
		rep.Why = fmt.Sprintf("%s dequeued %d, which %s had already dequeued", r.text(v.op), v.value, r.text(v.other))
	case AnomalyFIFOOrder:
		b, a := &r.in.vals[v.val], &r.in.vals[v.older]
		add(b.e)
		add(a.e)
		add(a.d)
		ahead := fmt.Sprintf("%s took %d, but %d was certainly ahead of it: %s returned before %s was invoked", r.text(v.op), b.v, a.v, r.text(a.e), r.text(b.e))
		switch {
		case a.d < 0:
			rep.Why = ahead + fmt.Sprintf(", and %d was never dequeued", a.v)
		case a.assigned:
			rep.Why = ahead + fmt.Sprintf(", no dequeue returned %d, and the earliest that could have taken it, %s, was invoked after this one returned", a.v, r.text(a.d))
		default:
			rep.Why = ahead + fmt.Sprintf(", and %d was dequeued by %s, invoked after this one returned", a.v, r.text(a.d))
		}
	case AnomalyFIFOEmpty:
		if r.cs == nil {
			r.cs = r.in.covers()
		}
		chain, more := r.cs.chain(&ops[v.op], 5)
		var held []string
		for _, k := range chain {
			a := &r.in.vals[k]
			add(a.e)
			add(a.d)
			held = append(held, r.queued(a))
		}
		if more {
			held = append(held, "and more")
		}
		rep.Why = fmt.Sprintf("%s found the queue empty, but throughout its call the queue certainly held, one after the other: %s", r.text(v.op), strings.Join(held, ", then "))
	}
	return rep
}

// porcupine checks a history whose values repeat, where the patterns do
// not apply: porcupine's exhaustive search of the whole history, bounded
// by timeout (unknown past it, never valid for what was not searched).
func (f FIFO) porcupine(ctx context.Context, h history.History, fh *fifoHistory, timeout time.Duration) (Result, error) {
	m := FIFOQueue()
	prep, err := m.prepare(h)
	if err != nil {
		return Result{}, err
	}
	dropped := dropUnseenEnqueues(prep)
	r := Linearizable{Model: m, Timeout: timeout, MinOK: f.MinOK}.check(ctx, prep)
	if r.Details != nil {
		r.Details["method"] = "porcupine"
		r.Details["unseen_indeterminate_enqueues"] = dropped
	}
	r.Summary = fmt.Sprintf("value %d is enqueued more than once, so the FIFO patterns (which need unique values) do not apply; porcupine searched the whole history: %s", fh.dupValue, r.Summary)
	return r, nil
}
