package workloads

import (
	"context"
	"math/rand/v2"

	"github.com/faultline/faultline/history"
)

// Client is one worker's connection to one node. Invoke turns an invoke op
// into its completion: ok (took effect, Value = result), fail (definitely
// did not) or info (unknown: timeouts, connection lost after sending).
// Invoke must return by ctx's deadline.
type Client interface {
	Invoke(ctx context.Context, op history.Op) history.Op
	Close() error
}

// Generator produces the client invoke ops of a workload. It is pure and
// deterministic given its rng; the runner calls Next from one goroutine per
// worker with that worker's own rng, so implementations guard shared state.
type Generator interface {
	// Next returns the next invoke op for a process (Process, Type, F, Key,
	// Value set; Index, Time and Node left for the runner), or ok=false when
	// the generator has nothing more to give.
	Next(rng *rand.Rand, process history.Process) (op history.Op, ok bool)
}
