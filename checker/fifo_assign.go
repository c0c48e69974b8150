package checker

import (
	"context"
	"slices"
	"sort"
	"time"
)

// Which dequeue took which value is known for every value some definite
// dequeue returned. What is left open are the values an ok enqueue put in
// and no definite dequeue returned (the never-dequeued values, U) and the
// indeterminate dequeues whose outcome nobody learned (the unresolved
// dequeues, I): each value in U stayed in the queue for ever or was taken
// by one dequeue in I, and each dequeue in I took at most one value
// (taking nothing is the same as not happening: an unresolved dequeue has
// no output to check). Each such assignment is an instance, decided
// exactly by the patterns; the history is linearizable iff one of them is.
//
// With U or I empty there is one instance that matters: every value of U
// stays (nothing can take it), or every dequeue of I is dropped (nothing
// needs taking). Otherwise fifoSolver decides in three steps, each exact
// in what it concludes:
//
//  1. the relaxed instance lets every value of U be taken by the earliest
//     dequeue of I, all at once. Each value is then in the queue for the
//     shortest time any assignment allows and overtakes nothing it would
//     not overtake in every assignment, so each violation it has is a
//     violation of every instance: invalid;
//  2. the greedy instance hands the dequeues of I out earliest first, to
//     the values in order of their deadline (the earliest return of a
//     dequeue of a value enqueued after them: to come out before it, a
//     value must be taken by a dequeue invoked before that). No violation:
//     valid;
//  3. otherwise a depth-first search through the assignments, bounded in
//     count and time: an instance without violations is valid, none in
//     the whole search invalid, and a search cut short unknown.
type fifoSolver struct {
	fh   *fifoHistory
	tmpl []fifoVal // every value, in enqueue order; those of U never dequeued
	u    []int     // positions in tmpl of the values of U, in deadline order
	// bound[k] is the deadline of u[k]: a dequeue of I can take it only
	// if invoked below this rank (fh.inf+1: no deadline).
	bound []int
	i     []int // the unresolved dequeues (indices into ops), by call
}

// fifoDecision is what the solver concluded.
type fifoDecision struct {
	inst  *fifoInstance   // the instance the violations are of
	viols []fifoViolation // nil when valid
	// how: "exact" (one instance matters), "relaxed" (violations of every
	// assignment), "greedy" or "search" (the instance found is valid;
	// for search also: every instance has violations), "" when undecided.
	how        string
	tried      int  // instances checked
	decided    bool // false: the search was cut short (unknown)
	why        string
	undequeued int // values of U
}

func newFIFOSolver(fh *fifoHistory) *fifoSolver {
	s := &fifoSolver{fh: fh, i: slices.Clone(fh.unresolved), tmpl: make([]fifoVal, 0, len(fh.enq))}
	for i := range fh.ops {
		o := &fh.ops[i]
		if !o.enq || o.gone || fh.enq[o.value] != i {
			continue
		}
		v := fifoVal{v: o.value, e: i, d: -1}
		if ds := fh.deq[o.value]; len(ds) > 0 {
			v.d = ds[0]
		} else {
			s.u = append(s.u, len(s.tmpl))
		}
		s.tmpl = append(s.tmpl, v)
	}
	slices.SortStableFunc(s.i, func(a, b int) int { return fh.ops[a].callR - fh.ops[b].callR })
	// Deadlines: the definite values sorted by their enqueue's call, with
	// the suffix minimum of their dequeue's return.
	def := make([]int, 0, len(s.tmpl))
	for k := range s.tmpl {
		if s.tmpl[k].d >= 0 {
			def = append(def, k)
		}
	}
	eCall := func(k int) int { return fh.ops[s.tmpl[k].e].callR }
	slices.SortStableFunc(def, func(a, b int) int { return eCall(a) - eCall(b) })
	sufMin := make([]int, len(def)+1)
	sufMin[len(def)] = fh.inf + 1
	for j := len(def) - 1; j >= 0; j-- {
		sufMin[j] = min(sufMin[j+1], fh.ops[s.tmpl[def[j]].d].retR)
	}
	bound := map[int]int{}
	for _, k := range s.u {
		r := fh.ops[s.tmpl[k].e].retR
		j := sort.Search(len(def), func(j int) bool { return eCall(def[j]) > r })
		bound[k] = sufMin[j]
	}
	slices.SortStableFunc(s.u, func(a, b int) int {
		if bound[a] != bound[b] {
			return bound[a] - bound[b]
		}
		return fh.ops[s.tmpl[a].e].retR - fh.ops[s.tmpl[b].e].retR
	})
	for _, k := range s.u {
		s.bound = append(s.bound, bound[k])
	}
	return s
}

// instance is the template with u[k] taken by dequeue assign[k] (-1: never
// dequeued); assign nil leaves every value of U in the queue.
func (s *fifoSolver) instance(assign []int) *fifoInstance {
	vals := slices.Clone(s.tmpl)
	for k, d := range assign {
		if d >= 0 {
			vals[s.u[k]].d, vals[s.u[k]].assigned = d, true
		}
	}
	return &fifoInstance{fh: s.fh, vals: vals}
}

// solve decides the history within maxTried instances and the deadline.
func (s *fifoSolver) solve(ctx context.Context, deadline time.Time, maxTried int) fifoDecision {
	d := s.decide(ctx, deadline, maxTried)
	d.undequeued = len(s.u)
	return d
}

func (s *fifoSolver) decide(ctx context.Context, deadline time.Time, maxTried int) fifoDecision {
	if len(s.u) == 0 || len(s.i) == 0 {
		in := s.instance(nil)
		return fifoDecision{inst: in, viols: in.check(0), how: "exact", tried: 1, decided: true}
	}
	// 1. Relaxed: everything taken by the earliest unresolved dequeue.
	all := make([]int, len(s.u))
	for k := range all {
		all[k] = s.i[0]
	}
	relaxed := s.instance(all)
	if vs := relaxed.check(0); len(vs) > 0 {
		return fifoDecision{inst: relaxed, viols: vs, how: "relaxed", tried: 1, decided: true}
	}
	// 2. Greedy: earliest dequeue to the earliest deadline.
	greedy := make([]int, len(s.u))
	next := 0
	for k := range s.u {
		greedy[k] = -1
		if next < len(s.i) && s.fh.ops[s.i[next]].callR < s.bound[k] {
			greedy[k] = s.i[next]
			next++
		}
	}
	gin := s.instance(greedy)
	if len(gin.check(1)) == 0 {
		return fifoDecision{inst: gin, how: "greedy", tried: 2, decided: true}
	}
	// 3. Search.
	d := fifoDecision{tried: 2}
	assign := make([]int, len(s.u))
	used := make([]bool, len(s.i))
	var found *fifoInstance
	stopped := false
	var dfs func(k int) bool
	dfs = func(k int) bool {
		if k == len(s.u) {
			d.tried++
			if d.tried > maxTried || (d.tried%64 == 0 && (time.Now().After(deadline) || ctx.Err() != nil)) {
				stopped = true
				return true
			}
			in := s.instance(assign)
			if len(in.check(1)) == 0 {
				found = in
				return true
			}
			return false
		}
		if s.canTake(assign, k) {
			for j, dq := range s.i {
				if used[j] || s.fh.ops[dq].callR >= s.bound[k] {
					continue
				}
				used[j], assign[k] = true, dq
				if dfs(k + 1) {
					return true
				}
				used[j] = false
			}
		}
		assign[k] = -1
		// Staying for ever: not with a deadline (a definite value enqueued
		// after it was dequeued: fifo-order), nor behind a value taken.
		if s.bound[k] <= s.fh.inf || !s.canStay(assign, k) {
			return false
		}
		return dfs(k + 1)
	}
	dfs(0)
	switch {
	case found != nil:
		return fifoDecision{inst: found, how: "search", tried: d.tried, decided: true}
	case stopped:
		return fifoDecision{inst: gin, viols: gin.check(0), tried: d.tried, decided: false}
	}
	return fifoDecision{inst: gin, viols: gin.check(0), how: "search", tried: d.tried, decided: true}
}

// canTake reports whether u[k] may be taken by a dequeue given the choices
// for u[:k]: no value of U enqueued before it (enq <h enq) stays for ever.
func (s *fifoSolver) canTake(assign []int, k int) bool {
	ops := s.fh.ops
	call := ops[s.tmpl[s.u[k]].e].callR
	for j := range k {
		if assign[j] < 0 && ops[s.tmpl[s.u[j]].e].retR < call {
			return false
		}
	}
	return true
}

// canStay reports whether u[k] may stay in the queue for ever given the
// choices for u[:k]: no value of U enqueued after it (enq <h enq) was
// taken.
func (s *fifoSolver) canStay(assign []int, k int) bool {
	ops := s.fh.ops
	ret := ops[s.tmpl[s.u[k]].e].retR
	for j := range k {
		if assign[j] >= 0 && ret < ops[s.tmpl[s.u[j]].e].callR {
			return false
		}
	}
	return true
}
