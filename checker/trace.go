package checker

import (
	"context"
	"sync/atomic"

	"github.com/anishathalye/porcupine"
)

// The verdict pass explains what it finds. Porcupine's plain search keeps no
// record of how far it got, and its verbose search (which does) costs about
// twice as much, so instead the model handed to the plain search is wrapped:
// each state it reaches remembers the op whose step made it and the state it
// came from. The deepest state the search ever reaches is the end of the
// longest linearizable prefix, and on an illegal key that prefix, the state
// it leaves and the op that cannot follow it are the explanation, at the
// cost of a few words per successful step (cut from slabs) and no second
// search. TestTraceAgreesWithVerboseSearch holds the prefix to porcupine's
// verbose search.

// keySearch is the verdict pass's porcupine search of one key.
type keySearch interface {
	// model is the wrapped model to hand porcupine, with no Partition.
	model() porcupine.Model
	// operations are the key's ops with the inputs the model expects,
	// until restore gives them back their own.
	operations() []porcupine.Operation
	restore()
	// prefix is the longest linearizable prefix the search reached, as
	// indices into the key's ops in linearization order (non-nil once the
	// search has started), and the state it leaves. Call it after the
	// search returns.
	prefix() ([]int32, any)
}

// traced is a search state of the verdict pass.
type traced[S any] struct {
	inner S          // the model's own state, unboxed
	prev  *traced[S] // the state this one was stepped from; nil for Init
	op    int32      // index in the key's ops of the op that made it; -1 for Init
	// Invariant: depth == prev.depth+1 == the number of ops linearized to
	// reach this state (porcupine's cache pairs a state with the set of ops
	// linearized, so equal sets mean equal depths and caching is unchanged).
	depth int32
}

// tracedIn is an op's input as the wrapped model sees it: the index of the
// op in the key's ops, and the model's own input.
type tracedIn struct {
	id int32
	in any
}

// tracer is the search of one key: the key's ops with traced inputs and the
// deepest state reached so far. It serves one search (a key's search runs in
// one goroutine).
type tracer[S any] struct {
	sp            spec[S]
	stop, refused *atomic.Bool
	ops           []porcupine.Operation
	ins           []tracedIn
	deepest       *traced[S]
	slab          []traced[S] // states are cut from slabs (see maxSlab)
}

// maxSlab is the most states one allocation holds; a key's first slab
// holds as many states as a search without backtracking needs (one per op,
// plus Init), up to that. A slab lives as long as any state in it, and all
// of a key's states die together when its search returns.
const maxSlab = 1024

// newTracer replaces each op's Input in place with a *tracedIn (one slab for
// the key, so no allocation per op); restore puts the inputs back. Once stop
// is set, steps refuse and set refused: that prunes the search, so an
// Illegal after it proves nothing.
func newTracer[S any](sp spec[S], ops []porcupine.Operation, stop, refused *atomic.Bool) *tracer[S] {
	ins := make([]tracedIn, len(ops))
	for i := range ops {
		ins[i] = tracedIn{id: int32(i), in: ops[i].Input}
		ops[i].Input = &ins[i]
	}
	return &tracer[S]{sp: sp, stop: stop, refused: refused, ops: ops, ins: ins}
}

func (t *tracer[S]) restore() {
	for i := range t.ops {
		t.ops[i].Input = t.ins[i].in
	}
}

func (t *tracer[S]) operations() []porcupine.Operation { return t.ops }

// newState returns a fresh state from the current slab.
func (t *tracer[S]) newState() *traced[S] {
	if len(t.slab) == 0 {
		t.slab = make([]traced[S], min(len(t.ops)+1, maxSlab))
	}
	s := &t.slab[0]
	t.slab = t.slab[1:]
	return s
}

func (t *tracer[S]) model() porcupine.Model {
	sp := t.sp
	return porcupine.Model{
		Init: func() any {
			s := t.newState()
			*s = traced[S]{inner: sp.init(), op: -1}
			t.deepest = s
			return s
		},
		StepContext: func(_ context.Context, s, in, out any) (bool, any) {
			if t.stop.Load() {
				t.refused.Store(true)
				return false, s
			}
			st, ti := s.(*traced[S]), in.(*tracedIn)
			ok, next := sp.step(st.inner, ti.in, out)
			if !ok {
				return false, s
			}
			n := t.newState()
			*n = traced[S]{inner: next, prev: st, op: ti.id, depth: st.depth + 1}
			if n.depth > t.deepest.depth {
				t.deepest = n
			}
			return true, n
		},
		Equal: func(a, b any) bool { return sp.equal(a.(*traced[S]).inner, b.(*traced[S]).inner) },
		Hash:  func(s any) uint64 { return sp.hash(s.(*traced[S]).inner) },
	}
}

func (t *tracer[S]) prefix() ([]int32, any) {
	if t.deepest == nil {
		return nil, nil
	}
	ids := make([]int32, t.deepest.depth)
	for s := t.deepest; s.prev != nil; s = s.prev {
		ids[s.depth-1] = s.op
	}
	return ids, t.deepest.inner
}
