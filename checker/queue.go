package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// maxListed caps every value list in TotalQueue's details.
const maxListed = 100

// TotalQueue is Jepsen's total-queue check: every acknowledged enqueue is
// dequeued exactly once, and nothing is dequeued that was not enqueued.
//
// Reading the history (f "enqueue" with the value on invoke; f "dequeue"
// with the element, or null for empty, on ok):
//   - duplicated: a value dequeued (ok) more than once;
//   - unexpected: a value dequeued (ok) that no enqueue attempted, or whose
//     enqueue definitely failed;
//   - recovered: a value whose enqueue was indeterminate (info, open) but
//     that was dequeued: it did happen, which is fine;
//   - resolved: an indeterminate dequeue (info, open) whose outcome the
//     history tells afterwards, in an op with f "dequeue-outcome" (ok
//     value {"id", "applied", "value", "empty"}) matching the request id
//     of the dequeue's invoke value ({"id": ...}). Applied with a value, it
//     counts as a dequeue of that value; applied empty, or not applied, it
//     removed nothing. Dequeues without an id (older histories) stay
//     unresolved;
//   - missing: an acknowledged value never dequeued. An unresolved
//     indeterminate dequeue may have removed an element nobody saw, so up
//     to that many missing values are unknown, not lost; beyond that, the
//     excess is lost (the values listed are the candidates). Missing values
//     also prove nothing unless the queue was drained: some dequeue invoked
//     after every acknowledged enqueue returned must have found it empty.
//
// Invalid if anything is lost, duplicated or unexpected; unknown when
// missing values cannot be judged (not drained) or nothing was
// acknowledged; valid otherwise.
type TotalQueue struct{}

// Name is "total-queue".
func (TotalQueue) Name() string { return "total-queue" }

// Check implements Checker. Details: attempted, acknowledged, dequeued,
// lost, duplicated, unexpected, recovered, unknown (counts) and their
// *_values lists (capped at 100), indeterminate_dequeues (all info or
// open dequeues), resolved_dequeues, unresolved_dequeues,
// resolved_taken_values (what resolved dequeues removed) and drained;
// value_ops, the ops of every lost, duplicated and unexpected value (the
// enqueue's invoke index, the dequeues' invoke indices; at most 100 of
// each kind, see ValueOp) and value_ops_total, how many of each in all.
func (TotalQueue) Check(ctx context.Context, h history.History) Result {
	attempted := map[int64]history.Type{} // enqueue value -> its outcome
	enqAt := map[int64]int64{}            // enqueue value -> its invoke index
	deqAt := map[int64][]int64{}          // value -> the invoke indices of its dequeues
	dequeued := map[int64]int{}
	var acked []int64
	var lastAck int64 = -1
	infoDeq, deqOK := 0, 0
	var infoIDs []string // request ids of info and open dequeues
	infoAt := map[string]int64{}
	outcomes := map[string]dequeueOutcome{}
	type empty struct{ call int64 }
	var empties []empty
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() {
			continue
		}
		switch inv.F {
		case "enqueue":
			var v int64
			if err := json.Unmarshal(inv.Value, &v); err != nil {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("checker: op %d: enqueue argument %s is not an int", inv.Index, inv.Value)}
			}
			if prev, dup := attempted[v]; dup && prev != history.Fail {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("checker: op %d: value %d enqueued twice; total-queue needs unique values", inv.Index, v)}
			}
			t := p.Type()
			attempted[v] = t
			enqAt[v] = inv.Index
			if t == history.OK {
				acked = append(acked, v)
				lastAck = max(lastAck, p.Completion.Time)
			}
		case "dequeue":
			switch p.Type() {
			case history.OK:
				c := p.Completion
				if len(c.Value) == 0 || string(c.Value) == "null" {
					empties = append(empties, empty{call: inv.Time})
					continue
				}
				var v int64
				if err := json.Unmarshal(c.Value, &v); err != nil {
					return Result{Verdict: Unknown, Summary: fmt.Sprintf("checker: op %d: dequeue result %s is not an int or null", c.Index, c.Value)}
				}
				dequeued[v]++
				deqAt[v] = append(deqAt[v], inv.Index)
				deqOK++
			case history.Info: // info, or open (never completed)
				infoDeq++
				if id := requestID(inv.Value); id != "" {
					infoIDs = append(infoIDs, id)
					if _, seen := infoAt[id]; !seen {
						infoAt[id] = inv.Index
					}
				}
			}
		case outcomeF:
			if p.Type() != history.OK {
				continue
			}
			var o dequeueOutcome
			if err := json.Unmarshal(p.Completion.Value, &o); err != nil || o.ID == "" || (o.Applied && !o.Empty && o.Value == nil) {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("checker: op %d: dequeue-outcome value %s is not {\"id\", \"applied\", \"value\", \"empty\"}", p.Completion.Index, p.Completion.Value)}
			}
			if prev, dup := outcomes[o.ID]; dup && !prev.same(o) {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("checker: op %d: dequeue %q has two different outcomes", p.Completion.Index, o.ID)}
			}
			outcomes[o.ID] = o
		}
	}
	// Resolve what can be: each id once (an id is unique per dequeue).
	resolved := 0
	var taken []int64
	done := map[string]bool{}
	for _, id := range infoIDs {
		o, ok := outcomes[id]
		if !ok || done[id] {
			continue
		}
		done[id] = true
		resolved++
		if o.Applied && !o.Empty {
			dequeued[*o.Value]++
			deqAt[*o.Value] = append(deqAt[*o.Value], infoAt[id])
			taken = append(taken, *o.Value)
		}
	}
	unresolvedDeq := infoDeq - resolved
	drained := false
	for _, e := range empties {
		if e.call > lastAck {
			drained = true
		}
	}

	var lostC, dup, unexpected, recovered []int64
	for v, n := range dequeued {
		t, ok := attempted[v]
		switch {
		case !ok || t == history.Fail:
			unexpected = append(unexpected, v)
		case t != history.OK:
			recovered = append(recovered, v)
		}
		if n > 1 {
			dup = append(dup, v)
		}
	}
	for _, v := range acked {
		if dequeued[v] == 0 {
			lostC = append(lostC, v)
		}
	}
	for _, s := range [][]int64{lostC, dup, unexpected, recovered} {
		slices.Sort(s)
	}
	lost, unknown := 0, len(lostC)
	if drained && len(lostC) > unresolvedDeq {
		lost, unknown = len(lostC)-unresolvedDeq, unresolvedDeq
	}
	slices.Sort(taken)
	details := map[string]any{
		"attempted":              len(attempted),
		"acknowledged":           len(acked),
		"dequeued":               deqOK,
		"lost":                   lost,
		"duplicated":             len(dup),
		"unexpected":             len(unexpected),
		"recovered":              len(recovered),
		"unknown":                unknown,
		"indeterminate_dequeues": infoDeq,
		"resolved_dequeues":      resolved,
		"unresolved_dequeues":    unresolvedDeq,
		"resolved_taken_values":  capList(taken),
		"drained":                drained,
		"duplicated_values":      capList(dup),
		"unexpected_values":      capList(unexpected),
		"recovered_values":       capList(recovered),
	}
	an := Anomalies{AnomalyLostMessage: lost, AnomalyDuplicatedMessage: len(dup)}
	if lost > 0 {
		details["lost_values"] = capList(lostC)
	} else {
		details["lost_values"] = []int64{}
	}
	if unknown > 0 && lost == 0 {
		details["unknown_values"] = capList(lostC)
	} else {
		details["unknown_values"] = []int64{}
	}

	var vops valueOpList
	op := func(kind string, v int64) ValueOp {
		o := ValueOp{Kind: kind, Value: v, Seen: sortedIndices(deqAt[v])}
		if i, ok := enqAt[v]; ok {
			o.Write, o.Acked = indexPtr(i), attempted[v] == history.OK
		}
		return o
	}
	if lost > 0 {
		for _, v := range lostC {
			vops.add(op("lost", v))
		}
	}
	for _, v := range dup {
		vops.add(op("duplicated", v))
	}
	for _, v := range unexpected {
		vops.add(op("unexpected", v))
	}
	vops.into(details)

	var bad []string
	if lost > 0 {
		what := fmt.Sprintf("%d acknowledged enqueues lost (%s)", lost, showValues(lostC))
		if unresolvedDeq > 0 {
			what = fmt.Sprintf("%d acknowledged enqueues lost: %d never dequeued (%s), at most %d of them taken by unresolved indeterminate dequeues", lost, len(lostC), showValues(lostC), unresolvedDeq)
		}
		bad = append(bad, what)
	}
	if len(dup) > 0 {
		bad = append(bad, fmt.Sprintf("%d values dequeued more than once (%s)", len(dup), showValues(dup)))
	}
	if len(unexpected) > 0 {
		bad = append(bad, fmt.Sprintf("%d values dequeued that were never enqueued or whose enqueue failed (%s)", len(unexpected), showValues(unexpected)))
	}
	counts := fmt.Sprintf("%d attempted, %d acknowledged, %d dequeued, %d recovered, %d indeterminate dequeues (%d resolved)", len(attempted), len(acked), deqOK, len(recovered), infoDeq, resolved)
	switch {
	case len(bad) > 0:
		return Result{Verdict: Invalid, Summary: strings.Join(bad, "; ") + " (" + counts + ")", Details: details, Anomalies: an}
	case len(acked) == 0:
		return Result{Verdict: Unknown, Summary: "too little activity: no enqueue was acknowledged (" + counts + ")", Details: details, Anomalies: an}
	case len(lostC) > 0 && !drained:
		return Result{Verdict: Unknown, Summary: fmt.Sprintf("%d acknowledged enqueues never dequeued, but the queue was never seen empty after the last acknowledged enqueue (was the final drain cut short?): %s (%s)", len(lostC), showValues(lostC), counts), Details: details, Anomalies: an}
	case len(lostC) > 0:
		return Result{Verdict: Valid, Summary: fmt.Sprintf("nothing lost or duplicated; %d acknowledged enqueues never seen, each possibly taken by one of %d unresolved indeterminate dequeues (%s)", len(lostC), unresolvedDeq, counts), Details: details, Anomalies: an}
	}
	return Result{Verdict: Valid, Summary: "every acknowledged enqueue dequeued exactly once (" + counts + ")", Details: details, Anomalies: an}
}

func capList(vs []int64) []int64 {
	if vs == nil {
		return []int64{}
	}
	return vs[:min(len(vs), maxListed)]
}

func showValues(vs []int64) string {
	var parts []string
	for i, v := range vs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("... %d more", len(vs)-10))
			break
		}
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, " ")
}

// outcomeF is the f of the ops that tell an indeterminate dequeue's
// outcome after the fact (the queue workload's drain records them).
const outcomeF = "dequeue-outcome"

// dequeueOutcome is the ok value of a dequeue-outcome op.
type dequeueOutcome struct {
	ID      string `json:"id"`
	Applied bool   `json:"applied"`
	Value   *int64 `json:"value"`
	Empty   bool   `json:"empty"`
}

func (o dequeueOutcome) same(p dequeueOutcome) bool {
	if o.Applied != p.Applied || o.Empty != p.Empty || (o.Value == nil) != (p.Value == nil) {
		return false
	}
	return o.Value == nil || *o.Value == *p.Value
}

// requestID is the request id in a dequeue's invoke value ({"id": ...}),
// or "" (no value, or another shape).
func requestID(v json.RawMessage) string {
	var a struct {
		ID string `json:"id"`
	}
	if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &a) != nil {
		return ""
	}
	return a.ID
}
