package nodeserver

import (
	"context"
	"time"

	"github.com/faultline/faultline/targets/paxos"
)

// RoundIO runs paxos.Rounds over a set of acceptors: the I/O shell of one
// proposer attempt, shared by the register's and kv's per-key rounds and
// the queue's per-slot rounds.
type RoundIO struct {
	// IDs are the round's acceptors (the quorum is a majority of them).
	IDs []string
	// Acceptors reaches them (this node's own included, see Cluster).
	Acceptors Acceptors
	// Timeout bounds one phase: how long the proposer waits for a quorum,
	// and how long a request may run.
	Timeout time.Duration
	// Detach lets the requests of a phase outlive the caller's ctx (up to
	// Timeout), so that a slow acceptor still learns an accepted value
	// after the client went away. Without it, cancelling ctx cancels them.
	Detach bool
	// Stop, when set, sees every failed reply as it arrives, in the
	// caller's goroutine; returning true ends the round at once (the
	// queue: an acceptor said the slot is already decided).
	Stop func(from string, err error) bool
}

// Run drives r through both phases: Prepare to every acceptor until r
// leaves Preparing, then, in Accepting, Accept to every acceptor until r
// leaves Accepting. A phase also ends when its timeout passes, every
// acceptor answered, or ctx is done; r's Phase says where it stands. Run
// reports whether Stop ended the round.
func (io RoundIO) Run(ctx context.Context, r *paxos.Round) (stopped bool) {
	prep := r.Prepare()
	stopped = phase(ctx, io, func(ctx context.Context, id string) (paxos.Promise, error) {
		return io.Acceptors.Prepare(ctx, id, prep)
	}, func(rep Reply[paxos.Promise]) bool { return r.OnPromise(rep.From, rep.Value) })
	if stopped || r.Phase() != paxos.Accepting {
		return stopped
	}
	acc := r.Accept() // marks the round AcceptSent before anything leaves
	return phase(ctx, io, func(ctx context.Context, id string) (paxos.Accepted, error) {
		return io.Acceptors.Accept(ctx, id, acc)
	}, func(rep Reply[paxos.Accepted]) bool { return r.OnAccepted(rep.From, rep.Value) })
}

// phase sends one message to every acceptor and delivers the replies
// until deliver returns true (the round left the phase), the phase times
// out, or every acceptor answered. It reports whether Stop ended it.
func phase[R any](ctx context.Context, io RoundIO, send func(context.Context, string) (R, error), deliver func(Reply[R]) bool) (stopped bool) {
	parent := ctx
	if io.Detach {
		parent = context.WithoutCancel(ctx)
	}
	f := Send(parent, io.IDs, io.Timeout, send)
	wait, cancel := context.WithTimeout(ctx, io.Timeout)
	defer cancel()
	for {
		rep, ok := f.Next(wait)
		switch {
		case !ok:
			return false
		case rep.Err != nil:
			if io.Stop != nil && io.Stop(rep.From, rep.Err) {
				return true
			}
		case deliver(rep):
			return false
		}
	}
}
