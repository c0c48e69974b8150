package checker

import (
	"sync/atomic"

	"github.com/anishathalye/porcupine"
)

// spec is a model's sequential specification over a typed state S. Each
// model is written once as a spec; porcupine's untyped Model (for the
// timeline and any direct use) and the verdict pass's traced search
// (trace.go), which keeps S unboxed, are both made from it.
type spec[S any] struct {
	init func() S
	// step applies one op: whether it is legal in state s, and the state
	// after it. It never modifies s in place.
	step  func(s S, in, out any) (bool, S)
	equal func(a, b S) bool
	hash  func(s S) uint64
}

// fill returns base (partition and descriptions) with porcupine's search
// functions made from sp: Init, Step, StepContext, Equal and Hash.
func (sp spec[S]) fill(base porcupine.Model) porcupine.Model {
	step := func(s, in, out any) (bool, any) {
		ok, next := sp.step(s.(S), in, out)
		return ok, next
	}
	base.Init = func() any { return sp.init() }
	base.Step = step
	base.StepContext = stepContext(step)
	base.Equal = func(a, b any) bool { return sp.equal(a.(S), b.(S)) }
	base.Hash = func(s any) uint64 { return sp.hash(s.(S)) }
	return base
}

// search makes the verdict pass's search of one key (see trace.go).
func (sp spec[S]) search(ops []porcupine.Operation, stop, refused *atomic.Bool) keySearch {
	return newTracer(sp, ops, stop, refused)
}
