package set

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/faultline/faultline/history"
)

// Options shapes the set generator. Zero fields take the defaults.
type Options struct {
	// Keys is the number of sets (default 5): few keys, many adds each, so
	// every set sees adds under every fault.
	Keys int
	// AddWeight and ReadWeight weigh the op mix (default 3:1).
	AddWeight, ReadWeight int
	// MaxOps ends the generator after that many ops (0: never ends; the
	// runner's time limit stops it).
	MaxOps int
}

// Generator produces add / read ops over the sets s0..s(Keys-1). Elements
// are 1, 2, 3, ... across all keys, each added once. Safe for concurrent
// Next calls; deterministic for a given sequence of calls and rngs.
type Generator struct {
	opts Options

	mu   sync.Mutex
	next int64 // the next element; Invariant: every element < next was handed out exactly once
	ops  int   // Invariant: ops <= MaxOps when MaxOps > 0
}

// NewGenerator returns a generator with opts' defaults filled in.
func NewGenerator(opts Options) *Generator {
	if opts.Keys <= 0 {
		opts.Keys = 5
	}
	opts.AddWeight, opts.ReadWeight = max(0, opts.AddWeight), max(0, opts.ReadWeight)
	if opts.AddWeight+opts.ReadWeight == 0 {
		opts.AddWeight, opts.ReadWeight = 3, 1
	}
	return &Generator{opts: opts, next: 1}
}

// Options returns the options in use, defaults filled in.
func (g *Generator) Options() Options { return g.opts }

// Keys lists the sets, s0..s(Keys-1).
func (g *Generator) Keys() []string {
	keys := make([]string, g.opts.Keys)
	for i := range keys {
		keys[i] = fmt.Sprintf("s%d", i)
	}
	return keys
}

// Next returns the next invoke op for process.
func (g *Generator) Next(rng *rand.Rand, process history.Process) (history.Op, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.opts.MaxOps > 0 && g.ops >= g.opts.MaxOps {
		return history.Op{}, false
	}
	g.ops++
	op := history.Op{Process: process, Type: history.Invoke, Key: fmt.Sprintf("s%d", rng.IntN(g.opts.Keys))}
	if rng.IntN(g.opts.AddWeight+g.opts.ReadWeight) < g.opts.AddWeight {
		op.F = "add"
		op.Value = history.Raw(g.next)
		g.next++
	} else {
		op.F = "read"
	}
	return op, true
}
