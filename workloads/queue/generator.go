package queue

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/faultline/faultline/history"
)

// Options shapes the queue generator. Zero fields take the defaults.
type Options struct {
	// Enqueue and Dequeue weigh the op mix (default 1:1).
	Enqueue, Dequeue int
	// MaxOps ends the generator after that many ops (0: never ends; the
	// runner's time limit stops it).
	MaxOps int
}

// Generator produces enqueue ops of unique values 1, 2, 3, ... and dequeue
// ops with unique request ids {"id": "d-1"}, {"id": "d-2"}, ..., mixed by
// weight. Safe for concurrent Next calls; deterministic for a
// given sequence of calls and rngs.
type Generator struct {
	opts Options

	mu   sync.Mutex
	next int64 // the last value handed out
	deq  int64 // dequeues handed out: their request ids are d-1, d-2, ...
	ops  int
}

// NewGenerator returns a generator with opts' defaults filled in.
func NewGenerator(opts Options) *Generator {
	opts.Enqueue, opts.Dequeue = max(0, opts.Enqueue), max(0, opts.Dequeue)
	if opts.Enqueue == 0 && opts.Dequeue == 0 {
		opts.Enqueue, opts.Dequeue = 1, 1
	}
	return &Generator{opts: opts}
}

// Options returns the options in use, defaults filled in.
func (g *Generator) Options() Options { return g.opts }

// Next returns the next invoke op for process.
func (g *Generator) Next(rng *rand.Rand, process history.Process) (history.Op, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.opts.MaxOps > 0 && g.ops >= g.opts.MaxOps {
		return history.Op{}, false
	}
	g.ops++
	op := history.Op{Process: process, Type: history.Invoke}
	if rng.IntN(g.opts.Enqueue+g.opts.Dequeue) < g.opts.Enqueue {
		g.next++
		op.F, op.Value = "enqueue", history.Raw(g.next)
	} else {
		g.deq++
		op.F, op.Value = "dequeue", history.Raw(DequeueArg{ID: fmt.Sprintf("d-%d", g.deq)})
	}
	return op, true
}
