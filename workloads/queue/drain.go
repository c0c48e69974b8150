package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/history"
)

// Recorder appends ops to the run's history (run.Recorder satisfies it):
// Record assigns Index and Time and returns the op as written.
type Recorder interface {
	Record(op history.Op) (history.Op, error)
}

// ErrDrainIncomplete is returned when some node never answered "empty"
// before the drain's deadline: elements may still be in the queue, so a
// missing element proves nothing.
var ErrDrainIncomplete = errors.New("queue: drain did not reach empty on every node")

// DrainOptions shapes the final drain. Zero fields take the defaults.
type DrainOptions struct {
	// FirstProcess is the first process id the drain uses; it must be above
	// every worker's (after an info the drain moves to the next id).
	FirstProcess history.Process
	// OpTimeout bounds one dequeue (default 5s).
	OpTimeout time.Duration
	// Timeout bounds the whole drain (default 2m), within ctx.
	Timeout time.Duration
	// Retry is the pause after a failed dequeue (default 100ms).
	Retry time.Duration
	// Definite classifies errors: a definite one is recorded as fail and
	// the process carries on; others (and all, when nil) are info and the
	// drain moves to a fresh process.
	Definite Definite
}

// NewDrain returns the final phase: for each node in name order, dequeue
// until the node answers empty, recording every dequeue (invoke and
// completion, f "dequeue") through rec like a client op. It returns
// ErrDrainIncomplete (wrapped, naming the nodes) if some node never said
// empty in time, and the recorder's error if recording fails.
func NewDrain(nodes map[string]API, opts DrainOptions) func(ctx context.Context, rec Recorder) error {
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Retry <= 0 {
		opts.Retry = 100 * time.Millisecond
	}
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	slices.Sort(names)
	return func(ctx context.Context, rec Recorder) error {
		ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
		proc := opts.FirstProcess
		var unfinished []string
		for _, name := range names {
			api := nodes[name]
			emptied := false
			for !emptied && ctx.Err() == nil {
				inv, err := rec.Record(history.Op{Process: proc, Type: history.Invoke, F: "dequeue", Node: name})
				if err != nil {
					return fmt.Errorf("queue: drain: record: %w", err)
				}
				octx, ocancel := context.WithTimeout(ctx, opts.OpTimeout)
				v, empty, derr := api.Dequeue(octx)
				timedOut := octx.Err() != nil
				ocancel()
				done := inv
				switch {
				case derr == nil && empty:
					done = inv.Complete(history.OK, []byte("null"), "")
					emptied = true
				case derr == nil:
					done = inv.Complete(history.OK, history.Raw(v), "")
				case !timedOut && opts.Definite != nil && opts.Definite(derr):
					done = inv.Complete(history.Fail, nil, derr.Error())
				default:
					// It may have removed an element: info, and the
					// process, possibly still in flight, is retired.
					done = inv.Complete(history.Info, nil, derr.Error())
					proc++
				}
				if _, err := rec.Record(done); err != nil {
					return fmt.Errorf("queue: drain: record: %w", err)
				}
				if derr != nil {
					select {
					case <-time.After(opts.Retry):
					case <-ctx.Done():
					}
				}
			}
			if !emptied {
				unfinished = append(unfinished, name)
			}
		}
		if len(unfinished) > 0 {
			return fmt.Errorf("%w: nodes %v (last error or deadline %v)", ErrDrainIncomplete, unfinished, ctx.Err())
		}
		return nil
	}
}
