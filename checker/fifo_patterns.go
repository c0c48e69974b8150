package checker

import (
	"slices"
	"sort"

	"github.com/faultline/faultline/history"
)

// The violation patterns of a FIFO queue history whose enqueued values are
// unique (Henzinger, Sezgin and Vafeiadis, "Aspect-oriented linearizability
// proofs", CONCUR 2013; empty dequeues as Bouajjani, Emmi, Enea and Hamza,
// ICALP 2015, and the log-linear algorithms of Abdulla et al., PLDI 2025,
// and Lee and Mathur, 2024). Write a <h b when op a returned before op b
// was invoked. A history in which every op is definite (each value's
// enqueue happened, and its dequeue, if any, is known) is linearizable iff
// it has none of:
//
//   - fresh (VFresh): a dequeue returns a value no enqueue may have put in,
//     or returns before that value's enqueue was invoked;
//   - repeat (VRepet): a value is dequeued twice;
//   - order (VOrd): enq(a) <h enq(b), b is dequeued, and a is never
//     dequeued or deq(b) <h deq(a): b overtook a;
//   - empty (VWit): a dequeue finds the queue empty although at every
//     point of its call some value was certainly in the queue. Value a is
//     certainly in the queue from the return of enq(a) to the call of
//     deq(a) (for ever, if never dequeued), whatever the linearization;
//     the empty dequeue is a violation when these intervals, together,
//     cover its whole call.
//
// fresh and repeat are read off the history (fifoHistory.freshRepeat);
// order and empty depend on which dequeue took which value, so they are
// checked on an instance, where each value has at most one dequeue
// (checkInstance), in O(n log n).

// fifoVal is one value of an instance: its enqueue and its dequeue.
type fifoVal struct {
	v int64
	e int // the enqueue (index into fifoHistory.ops)
	d int // the dequeue that took it (index into ops), or -1: never dequeued
	// assigned: d is an unresolved dequeue that the instance lets take v
	// (see fifo_assign.go); otherwise d is a definite dequeue of v.
	assigned bool
}

// fifoInstance is a complete reading of a queue history: every value's
// enqueue and dequeue are fixed.
type fifoInstance struct {
	fh   *fifoHistory
	vals []fifoVal // in enqueue invoke order
}

// fifoViolation is one violation found. op is the dequeue at fault;
// val (an index into the instance's vals, -1 for none) the value it
// returned; older (fifo-order) the value it overtook; other (fifo-repeat:
// the earlier dequeue of the value; fifo-fresh: a failed enqueue of it,
// or the enqueue it returned before) an index into ops, or -1.
type fifoViolation struct {
	kind  Anomaly
	op    int
	val   int
	older int
	other int
	value int64
}

// never is the call rank of the dequeue of a value never dequeued: above
// every rank, inf included.
func (in *fifoInstance) never() int { return in.fh.inf + 1 }

func (in *fifoInstance) eCall(a *fifoVal) int { return in.fh.ops[a.e].callR }
func (in *fifoInstance) eRet(a *fifoVal) int  { return in.fh.ops[a.e].retR }
func (in *fifoInstance) dCall(a *fifoVal) int {
	if a.d < 0 {
		return in.never()
	}
	return in.fh.ops[a.d].callR
}
func (in *fifoInstance) dRet(a *fifoVal) int {
	if a.d < 0 {
		return in.never()
	}
	return in.fh.ops[a.d].retR
}

// check returns the instance's order and empty violations. It stops after
// limit of them when limit > 0 (a search only needs to know whether there
// are any).
func (in *fifoInstance) check(limit int) []fifoViolation {
	out := in.checkOrder(limit)
	if limit > 0 && len(out) >= limit {
		return out
	}
	return append(out, in.checkEmpty(limit-len(out))...)
}

// checkOrder finds every dequeued value b that overtook an older one:
// some a with enq(a) <h enq(b) and (a never dequeued, or deq(b) <h
// deq(a)). The values sorted by their enqueue's return and the running
// maximum of their dequeue's call answer each b with a binary search: the
// older value reported is the one dequeued last (never, if any was never
// dequeued), the first enqueued among equals.
func (in *fifoInstance) checkOrder(limit int) []fifoViolation {
	n := len(in.vals)
	byRet := make([]int, n)
	for i := range byRet {
		byRet[i] = i
	}
	slices.SortStableFunc(byRet, func(a, b int) int { return in.eRet(&in.vals[a]) - in.eRet(&in.vals[b]) })
	rets := make([]int, n)
	maxCall := make([]int, n) // over byRet[:k+1]: the latest dequeue call
	argMax := make([]int, n)
	for k, i := range byRet {
		rets[k] = in.eRet(&in.vals[i])
		c := in.dCall(&in.vals[i])
		if k == 0 || c > maxCall[k-1] {
			maxCall[k], argMax[k] = c, i
		} else {
			maxCall[k], argMax[k] = maxCall[k-1], argMax[k-1]
		}
	}
	var out []fifoViolation
	for bi := range in.vals {
		b := &in.vals[bi]
		if b.d < 0 {
			continue
		}
		p := sort.SearchInts(rets, in.eCall(b)) // values whose enqueue returned before b's was invoked
		if p == 0 || maxCall[p-1] <= in.dRet(b) {
			continue
		}
		out = append(out, fifoViolation{kind: AnomalyFIFOOrder, op: b.d, val: bi, older: argMax[p-1], other: -1, value: b.v})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// fifoCover is the stretch of ranks [from, to] in which a value is
// certainly in the queue, as gaps: gap g lies between the events ranked g
// and g+1. An op can take effect in the gaps from its call's rank to its
// return's rank minus one; a value is certainly present at gap g when its
// enqueue must come before (it returned at or before g) and its dequeue
// after (it was invoked after g).
type fifoCover struct{ from, to, val int }

// fifoCovers are an instance's covers sorted by from, with, for each
// prefix, the cover reaching furthest (best), and their union as disjoint
// segments sorted by from (adjacent gaps merged).
type fifoCovers struct {
	cs    []fifoCover
	best  []int
	union []fifoCover
}

func (in *fifoInstance) covers() *fifoCovers {
	var fc fifoCovers
	for i := range in.vals {
		a := &in.vals[i]
		if from, to := in.eRet(a), in.dCall(a)-1; from <= to {
			fc.cs = append(fc.cs, fifoCover{from, to, i})
		}
	}
	slices.SortStableFunc(fc.cs, func(a, b fifoCover) int { return a.from - b.from })
	fc.best = make([]int, len(fc.cs))
	for k, c := range fc.cs {
		if k > 0 && fc.cs[fc.best[k-1]].to >= c.to {
			fc.best[k] = fc.best[k-1]
		} else {
			fc.best[k] = k
		}
		if u := len(fc.union) - 1; u >= 0 && c.from <= fc.union[u].to+1 {
			fc.union[u].to = max(fc.union[u].to, c.to)
			continue
		}
		fc.union = append(fc.union, fifoCover{c.from, c.to, -1})
	}
	return &fc
}

// covered reports whether the gaps of empty dequeue op d are all covered.
func (fc *fifoCovers) covered(o *fifoOp) bool {
	lo, hi := o.callR, o.retR-1
	u := fc.union
	k := sort.Search(len(u), func(i int) bool { return u[i].from > lo }) - 1
	return k >= 0 && u[k].to >= hi
}

// chain returns values that, one after the other, cover the whole call of
// empty dequeue o (at most most of them, and whether there are more), for
// the explanation.
func (fc *fifoCovers) chain(o *fifoOp, most int) (vals []int, more bool) {
	pos, hi := o.callR, o.retR-1
	for pos <= hi {
		k := sort.Search(len(fc.cs), func(i int) bool { return fc.cs[i].from > pos }) - 1
		if k < 0 || fc.cs[fc.best[k]].to < pos {
			return vals, false // not covered after all
		}
		if len(vals) == most {
			return vals, true
		}
		c := fc.cs[fc.best[k]]
		vals = append(vals, c.val)
		pos = c.to + 1
	}
	return vals, false
}

// checkEmpty finds every empty dequeue whose whole call is covered.
func (in *fifoInstance) checkEmpty(limit int) []fifoViolation {
	fc := in.covers()
	var out []fifoViolation
	for _, d := range in.fh.empties {
		if !fc.covered(&in.fh.ops[d]) {
			continue
		}
		out = append(out, fifoViolation{kind: AnomalyFIFOEmpty, op: d, val: -1, older: -1, other: -1})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// freshRepeat returns the fresh and repeat violations, which no choice of
// which dequeue took which value changes: a definite dequeue of a value
// that no enqueue that may have happened put in, or that returned before
// that enqueue was invoked; and every definite dequeue of a value after
// its first (in invoke order).
func (fh *fifoHistory) freshRepeat() []fifoViolation {
	var out []fifoViolation
	for i := range fh.ops {
		o := &fh.ops[i]
		if o.enq || o.empty || (o.typ != history.OK && !o.resolved) {
			continue // not a definite dequeue of a value
		}
		ds := fh.deq[o.value]
		e, ok := fh.enq[o.value]
		switch {
		case !ok:
			other := -1
			if f, failed := fh.failedEnq[o.value]; failed {
				other = f
			}
			out = append(out, fifoViolation{kind: AnomalyFIFOFresh, op: i, val: -1, older: -1, other: other, value: o.value})
		case ds[0] != i:
			out = append(out, fifoViolation{kind: AnomalyFIFORepeat, op: i, val: -1, older: -1, other: ds[0], value: o.value})
		case o.retR < fh.ops[e].callR:
			out = append(out, fifoViolation{kind: AnomalyFIFOFresh, op: i, val: -1, older: -1, other: e, value: o.value})
		}
	}
	return out
}
