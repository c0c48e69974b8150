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
	// Unresolved holds the request ids of the workers' info dequeues (may
	// be nil); the drain adds its own.
	Unresolved *Unresolved
	// ResolveTimeout bounds the outcome queries after the drain (default
	// 1m), within ctx.
	ResolveTimeout time.Duration
}

// NewDrain returns the final phase: for each node in name order, dequeue
// until the node answers empty, recording every dequeue (invoke and
// completion, f "dequeue") through rec like a client op. Then, when the
// nodes' API is a Resolver, it asks one node (the first that answers) for
// the outcome of every dequeue that ended info, the workers' (from
// opts.Unresolved) and its own, and records each answer as an op pair
// with f "dequeue-outcome": invoke value {"id": ...}, ok value an Outcome
// (info when no node answered in time). The drain's own dequeues carry
// request ids drain-1, drain-2, ... It returns ErrDrainIncomplete
// (wrapped, naming the nodes) if some node never said empty in time, and
// the recorder's error if recording fails.
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
	if opts.ResolveTimeout <= 0 {
		opts.ResolveTimeout = time.Minute
	}
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	slices.Sort(names)
	var resolvers []string // nodes whose API is a Resolver, in name order
	for _, n := range names {
		if _, ok := nodes[n].(Resolver); ok {
			resolvers = append(resolvers, n)
		}
	}
	return func(parent context.Context, rec Recorder) error {
		ctx, cancel := context.WithTimeout(parent, opts.Timeout)
		defer cancel()
		proc := opts.FirstProcess
		unresolved := opts.Unresolved
		if unresolved == nil {
			unresolved = NewUnresolved()
		}
		seq := 0
		var unfinished []string
		for _, name := range names {
			api := nodes[name]
			r, resolvable := api.(Resolver)
			emptied := false
			for !emptied && ctx.Err() == nil {
				op := history.Op{Process: proc, Type: history.Invoke, F: "dequeue", Node: name}
				var id string
				if resolvable {
					seq++
					id = fmt.Sprintf("drain-%d", seq)
					op.Value = history.Raw(DequeueArg{ID: id})
				}
				inv, err := rec.Record(op)
				if err != nil {
					return fmt.Errorf("queue: drain: record: %w", err)
				}
				octx, ocancel := context.WithTimeout(ctx, opts.OpTimeout)
				var v int64
				var empty bool
				var derr error
				if resolvable {
					v, empty, derr = r.DequeueID(octx, id)
				} else {
					v, empty, derr = api.Dequeue(octx)
				}
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
					unresolved.Add(id)
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
		if len(resolvers) > 0 {
			rctx, rcancel := context.WithTimeout(parent, opts.ResolveTimeout)
			err := resolve(rctx, rec, nodes, resolvers, unresolved.IDs(), &proc, opts)
			rcancel()
			if err != nil {
				return err
			}
		}
		if len(unfinished) > 0 {
			return fmt.Errorf("%w: nodes %v (last error or deadline %v)", ErrDrainIncomplete, unfinished, ctx.Err())
		}
		return nil
	}
}

// resolve asks for the outcome of each id and records it (see NewDrain).
// A node that fails is left for the next one, round the list, until ctx
// ends; an id nobody answered is recorded info.
func resolve(ctx context.Context, rec Recorder, nodes map[string]API, resolvers, ids []string, proc *history.Process, opts DrainOptions) error {
	at := 0 // the node that answered last
	for _, id := range ids {
		inv, err := rec.Record(history.Op{Process: *proc, Type: history.Invoke, F: OutcomeF, Node: resolvers[at], Value: history.Raw(DequeueArg{ID: id})})
		if err != nil {
			return fmt.Errorf("queue: drain: record: %w", err)
		}
		var done history.Op
		for {
			node := resolvers[at]
			octx, ocancel := context.WithTimeout(ctx, opts.OpTimeout)
			applied, v, empty, rerr := nodes[node].(Resolver).DequeueOutcome(octx, id)
			ocancel()
			if rerr == nil {
				o := Outcome{ID: id, Applied: applied, Empty: applied && empty}
				if applied && !empty {
					o.Value = &v
				}
				done = inv.Complete(history.OK, history.Raw(o), "")
				done.Node = node
				break
			}
			if ctx.Err() != nil {
				done = inv.Complete(history.Info, nil, fmt.Sprintf("queue: drain: no node told the outcome of dequeue %q in time: %v", id, rerr))
				break
			}
			at = (at + 1) % len(resolvers)
			select {
			case <-time.After(opts.Retry):
			case <-ctx.Done():
			}
		}
		if _, err := rec.Record(done); err != nil {
			return fmt.Errorf("queue: drain: record: %w", err)
		}
		if done.Type != history.OK {
			*proc++
		}
	}
	return nil
}
