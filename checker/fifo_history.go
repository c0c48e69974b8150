package checker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/faultline/faultline/history"
)

// fifoOp is one client op of a queue history as the FIFO check reads it:
// an enqueue, a dequeue with a definite output (ok, or indeterminate with
// an outcome the drain learned), or an unresolved indeterminate dequeue.
type fifoOp struct {
	index   int64 // the invoke's index
	process history.Process
	enq     bool
	value   int64 // enqueue: its argument; dequeue: what it removed (unless empty)
	empty   bool  // a dequeue that found the queue empty
	typ     history.Type
	open    bool // never completed (typ is info)
	// gone: kept only to explain a violation (a failed enqueue) or
	// dropped (an indeterminate enqueue nobody saw); not an op of the check.
	gone bool
	// resolved: an indeterminate dequeue whose outcome a dequeue-outcome
	// op told (outcome is that op's invoke index); it returns when the
	// outcome was reported, for it took effect before.
	resolved bool
	outcome  int64
	// call and ret are times (ns); ret is math.MaxInt64 when the op never
	// returned (info, open: it may take effect any time after its call).
	call, ret int64
	// callR and retR are the call and return as event ranks (see rank).
	callR, retR int
}

// returned reports whether the op returned (ok, or resolved).
func (o *fifoOp) returned() bool { return o.ret != math.MaxInt64 }

// fifoHistory is a queue history read for the FIFO check: the ops that can
// matter, each value's enqueue and definite dequeues, and what was dropped.
type fifoHistory struct {
	ops []fifoOp // in invoke order
	// enq maps a value to its enqueue (an index into ops). Only enqueues
	// that may have happened (ok, info, open) are kept.
	enq map[int64]int
	// deq lists each value's definite dequeues, in invoke order.
	deq map[int64][]int
	// failedEnq holds the values of failed enqueues (to explain a
	// dequeue of one).
	failedEnq map[int64]int
	empties   []int // definite dequeues that found the queue empty
	// unresolved are the indeterminate dequeues whose outcome is unknown:
	// each may have removed any one value, or nothing.
	unresolved []int
	// unique is false when some value has two enqueues that may have
	// happened: the pattern check needs unique values.
	unique     bool
	dupValue   int64
	counts     opCounts
	enqueues   int // enqueues kept
	dequeues   int // definite dequeues, empties included
	unseen     int // indeterminate enqueues of values never dequeued: dropped
	resolved   int // indeterminate dequeues resolved by an outcome
	notApplied int // of which not applied: dropped
	inf        int // the rank of "never returned": above every event
}

// readFIFO reads a queue history (see FIFOQueue for its shape; nemesis ops
// and final reads are ignored): it pairs invokes with completions, applies
// the dequeue-outcome records to the indeterminate dequeues they name,
// drops fails (they did not happen) and the indeterminate enqueues whose
// value no definite dequeue returned (they change no verdict; see
// dropUnseenEnqueues), and ranks the events. An op it cannot read is an
// error wrapping ErrBadInput.
func readFIFO(h history.History) (*fifoHistory, error) {
	pairs := fifoPairs(h)
	outcomes := map[string]fifoOutcome{}
	for _, p := range pairs {
		if p.Invoke.IsNemesis() || p.Invoke.F != outcomeF || p.Type() != history.OK {
			continue
		}
		var o dequeueOutcome
		if err := json.Unmarshal(p.Completion.Value, &o); err != nil || o.ID == "" || (o.Applied && !o.Empty && o.Value == nil) {
			return nil, fmt.Errorf("%w: checker: op %d: dequeue-outcome value %s is not {\"id\", \"applied\", \"value\", \"empty\"}", ErrBadInput, p.Completion.Index, short(string(p.Completion.Value)))
		}
		if prev, dup := outcomes[o.ID]; dup && !prev.o.same(o) {
			return nil, fmt.Errorf("%w: checker: op %d: dequeue %q has two different outcomes", ErrBadInput, p.Completion.Index, o.ID)
		} else if dup {
			continue
		}
		outcomes[o.ID] = fifoOutcome{o: o, index: p.Invoke.Index, time: p.Completion.Time}
	}
	fh := &fifoHistory{ops: make([]fifoOp, 0, len(pairs)), enq: make(map[int64]int, len(pairs)/2), deq: make(map[int64][]int, len(pairs)/2), failedEnq: map[int64]int{}, unique: true}
	used := map[string]bool{} // outcome ids already applied (each id once)
	for _, p := range pairs {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F == FinalRead || inv.F == outcomeF {
			continue
		}
		if inv.F != "enqueue" && inv.F != "dequeue" {
			return nil, fmt.Errorf("%w: checker: op %d: f %q is not enqueue or dequeue (model queue)", ErrBadInput, inv.Index, inv.F)
		}
		typ := p.Type()
		switch {
		case typ == history.OK:
			fh.counts.OK++
		case typ == history.Fail:
			fh.counts.Fail++
		case p.Open():
			fh.counts.Open++
		default:
			fh.counts.Info++
		}
		o := fifoOp{index: inv.Index, process: inv.Process, enq: inv.F == "enqueue", typ: typ, open: p.Open(), call: inv.Time, ret: math.MaxInt64}
		if typ == history.OK {
			o.ret = max(p.Completion.Time, inv.Time)
		}
		if o.enq {
			v, err := fifoInt(inv.Value)
			if err != nil {
				return nil, fmt.Errorf("%w: checker: op %d: enqueue argument %s is not an int (model queue)", ErrBadInput, inv.Index, short(string(inv.Value)))
			}
			o.value = v
			if typ == history.Fail {
				if _, seen := fh.failedEnq[v]; !seen {
					o.ret = max(p.Completion.Time, inv.Time)
					fh.failedEnq[v] = len(fh.ops)
					o.gone = true
					fh.ops = append(fh.ops, o) // kept for explanations only
				}
				fh.counts.Dropped++
				continue
			}
			if _, dup := fh.enq[v]; dup && fh.unique {
				fh.unique, fh.dupValue = false, v
			}
			fh.enq[v] = len(fh.ops)
			fh.ops = append(fh.ops, o)
			continue
		}
		switch typ {
		case history.Fail:
			fh.counts.Dropped++
			continue
		case history.OK:
			if len(p.Completion.Value) == 0 || string(p.Completion.Value) == "null" {
				o.empty = true
			} else if v, err := fifoInt(p.Completion.Value); err == nil {
				o.value = v
			} else {
				return nil, fmt.Errorf("%w: checker: op %d: dequeue result %s is not an int or null (model queue)", ErrBadInput, p.Completion.Index, short(string(p.Completion.Value)))
			}
		default:
			id := requestID(inv.Value)
			out, ok := outcomes[id]
			if id == "" || !ok || used[id] {
				fh.unresolved = append(fh.unresolved, len(fh.ops))
				fh.ops = append(fh.ops, o)
				continue
			}
			used[id] = true
			fh.resolved++
			if !out.o.Applied {
				fh.notApplied++ // it never took effect: like a fail
				fh.counts.Dropped++
				continue
			}
			o.resolved, o.outcome, o.ret = true, out.index, max(out.time, o.call)
			if out.o.Empty {
				o.empty = true
			} else {
				o.value = *out.o.Value
			}
		}
		fh.dequeues++
		if o.empty {
			fh.empties = append(fh.empties, len(fh.ops))
		} else {
			fh.deq[o.value] = append(fh.deq[o.value], len(fh.ops))
		}
		fh.ops = append(fh.ops, o)
	}
	// An indeterminate enqueue whose value no definite dequeue returned
	// changes no verdict (dropUnseenEnqueues gives the argument): drop it.
	for v, i := range fh.enq {
		if o := &fh.ops[i]; o.typ != history.OK && len(fh.deq[v]) == 0 {
			delete(fh.enq, v)
			o.gone = true
			fh.unseen++
		}
	}
	fh.enqueues = len(fh.enq)
	fh.rank()
	return fh, nil
}

// fifoPair is an invoke and its completion (nil: open), pointing into the
// history: history.Pairs without copying the ops, which on a large
// history is most of the check's allocations.
type fifoPair struct{ Invoke, Completion *history.Op }

func (p fifoPair) Open() bool { return p.Completion == nil }

func (p fifoPair) Type() history.Type {
	if p.Completion == nil {
		return history.Info
	}
	return p.Completion.Type
}

// fifoPairs pairs the client ops of h as history.Pairs does, in invoke
// order; nemesis ops are left out.
func fifoPairs(h history.History) []fifoPair {
	pairs := make([]fifoPair, 0, len(h)/2+1)
	open := make(map[history.Process]int)
	for i := range h {
		op := &h[i]
		if op.IsNemesis() {
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = len(pairs)
			pairs = append(pairs, fifoPair{Invoke: op})
			continue
		}
		if k, ok := open[op.Process]; ok {
			pairs[k].Completion = op
			delete(open, op.Process)
		}
	}
	return pairs
}

type fifoOutcome struct {
	o     dequeueOutcome
	index int64 // the outcome op's invoke index
	time  int64 // when it was reported
}

// rank numbers the calls and returns of the kept ops in time order, calls
// before returns at equal times (porcupine's order: an op returning at the
// instant another is called overlaps it), so that op a precedes op b in
// real time exactly when a's return ranks below b's call. Every rank is
// distinct; an op that never returned returns at inf, above them all.
func (fh *fifoHistory) rank() {
	type event struct {
		t   int64
		ret bool
		i   int
	}
	evs := make([]event, 0, 2*len(fh.ops))
	for i := range fh.ops {
		o := &fh.ops[i]
		if o.gone {
			continue
		}
		evs = append(evs, event{o.call, false, i})
		if o.returned() {
			evs = append(evs, event{o.ret, true, i})
		}
	}
	slices.SortFunc(evs, func(a, b event) int {
		switch {
		case a.t != b.t:
			return cmpInt(a.t, b.t)
		case a.ret != b.ret:
			if a.ret {
				return 1
			}
			return -1
		}
		return a.i - b.i
	})
	fh.inf = len(evs)
	for r, e := range evs {
		if e.ret {
			fh.ops[e.i].retR = r
		} else {
			fh.ops[e.i].callR = r
		}
	}
	for i := range fh.ops {
		if !fh.ops[i].returned() {
			fh.ops[i].retR = fh.inf
		}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fifoInt reads a JSON int, fast for plain digits.
func fifoInt(b json.RawMessage) (int64, error) {
	b = bytes.TrimSpace(b)
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return v, nil
	}
	var v int64
	err := json.Unmarshal(b, &v)
	return v, err
}
