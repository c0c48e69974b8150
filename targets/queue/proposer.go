package queue

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// The proposer side: one loop per node fills the next free slot
// (applied+1) with a batch of pending client commands, by single-decree
// Paxos (paxos.Round). If another value wins the slot, the batch moves to
// the next slot. A batch whose Accept has left the node is frozen: it is
// proposed, unchanged, slot after slot until it is applied, so it is
// decided at most once. A batch never sent is dissolved after a failed
// attempt, so its commands can still time out definitely.

// cmd states.
const (
	cmdWaiting   = iota // in pending, not in any batch
	cmdBatched          // in the batch in flight
	cmdDone             // answered
	cmdCancelled        // its client gave up while it was waiting: never proposed
)

// cmd is one client command on its way through the log.
type cmd struct {
	c command

	mu    sync.Mutex
	state int
	// res receives the outcome (buffered, capacity 1); nil for async-ack
	// enqueues, which nobody waits for.
	res chan cmdResult
}

type cmdResult struct {
	r     result
	known bool // false: applied, but the result was compacted away
}

func (c *cmd) deliver(r cmdResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == cmdDone {
		return
	}
	c.state = cmdDone
	if c.res != nil {
		c.res <- r
	}
}

// proposal is this node's batch in flight.
type proposal struct {
	pos    BatchPos
	cmds   []*cmd
	value  []byte
	frozen bool // an Accept carrying value has been sent
	done   bool
}

// finish answers every command: with res (in command order), or, when res
// is nil (the batch was applied inside a snapshot), with "enqueue done",
// the outcomes lookup has for dequeues and outcome requests with ids, and
// "unknown" for the rest.
func (p *proposal) finish(res []result, lookup func(id string) (DequeueRecord, bool)) {
	p.done = true
	for i, c := range p.cmds {
		switch {
		case res != nil:
			c.deliver(cmdResult{r: res[i], known: true})
		case c.c.Op == cmdEnqueue:
			c.deliver(cmdResult{r: result{Value: c.c.Value}, known: true})
		default:
			c.deliver(recall(c.c, lookup))
		}
	}
}

// recall rebuilds the result of an applied dequeue or outcome command from
// the recorded outcomes; unknown (known false) when it carried no id.
func recall(c command, lookup func(id string) (DequeueRecord, bool)) cmdResult {
	if lookup == nil {
		return cmdResult{}
	}
	switch c.Op {
	case cmdDequeue:
		// The record may be this dequeue's own, or a fence that made it a
		// no-op: either way it is what the dequeue did.
		if rec, ok := lookup(c.ID); ok && c.ID != "" {
			return cmdResult{r: rec.result(), known: true}
		}
	case cmdOutcome:
		// An applied outcome command left a record for every id.
		out := make([]Outcome, len(c.IDs))
		for i, id := range c.IDs {
			rec, ok := lookup(id)
			if !ok {
				return cmdResult{}
			}
			out[i] = rec.outcome(id)
		}
		return cmdResult{r: result{Outcomes: out}, known: true}
	}
	return cmdResult{}
}

// submit queues a command for the proposer and waits for its outcome
// until ctx or the op timeout ends.
func (s *Server) submit(ctx context.Context, c command) (result, *nodeserver.Error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	k := &cmd{c: c, res: make(chan cmdResult, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, k)
	s.mu.Unlock()
	s.poke()
	name := map[string]string{cmdEnqueue: "enqueue", cmdDequeue: "dequeue", cmdOutcome: "outcome"}[c.Op]
	select {
	case r := <-k.res:
		return s.outcome(name, r)
	case <-ctx.Done():
	}
	k.mu.Lock()
	state := k.state
	if state == cmdWaiting {
		k.state = cmdCancelled
	}
	k.mu.Unlock()
	switch state {
	case cmdWaiting:
		return result{}, nodeserver.Definite(503, "queue: %s: not proposed within %s (no quorum reachable?)", name, s.cfg.OpTimeout)
	case cmdDone:
		return s.outcome(name, <-k.res)
	}
	return result{}, nodeserver.Indeterminate("queue: %s: proposed, but its slot was not decided within %s; it may still take effect", name, s.cfg.OpTimeout)
}

func (s *Server) outcome(name string, r cmdResult) (result, *nodeserver.Error) {
	if !r.known {
		return result{}, nodeserver.Indeterminate("queue: %s: applied, but its result was compacted away before this node learned it", name)
	}
	return r.r, nil
}

func (s *Server) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// flushLoop (async-ack) moves buffered enqueues into the log, in batches,
// every AsyncFlush on average. Each wait is drawn from [AsyncFlush/2,
// 3·AsyncFlush/2) so the flushes do not keep one phase: with a fixed
// period they stay in step with the node's start, and a kill planned a
// whole number of seconds into a run can land just after a flush every
// time and lose almost nothing.
func (s *Server) flushLoop() {
	defer s.wg.Done()
	t := time.NewTimer(flushWait(s.cfg.AsyncFlush))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			t.Reset(flushWait(s.cfg.AsyncFlush))
		}
		s.mu.Lock()
		for _, v := range s.buffered {
			s.pending = append(s.pending, &cmd{c: command{Op: cmdEnqueue, Value: v}})
		}
		n := len(s.buffered)
		s.buffered = nil
		s.mu.Unlock()
		if n > 0 {
			s.poke()
		}
	}
}

// flushWait is one wait of flushLoop: uniform in [d/2, 3d/2).
func flushWait(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// build makes a new proposal from the waiting commands, or returns nil.
// Called with s.mu held.
func (s *Server) build() *proposal {
	var cmds []*cmd
	keep := s.pending[:0]
	for _, k := range s.pending {
		k.mu.Lock()
		switch {
		case k.state != cmdWaiting:
			// cancelled or answered: drop it
		case len(cmds) < s.cfg.MaxBatch:
			k.state = cmdBatched
			cmds = append(cmds, k)
		default:
			keep = append(keep, k)
		}
		k.mu.Unlock()
	}
	clear(s.pending[len(keep):])
	s.pending = keep
	if len(cmds) == 0 {
		return nil
	}
	s.seq++
	p := &proposal{pos: BatchPos{Epoch: s.epoch, Seq: s.seq}, cmds: cmds}
	b := batch{Node: s.cfg.ID, Pos: p.pos, Cmds: make([]command, len(cmds))}
	for i, k := range cmds {
		b.Cmds[i] = k.c
	}
	p.value = encodeBatch(b)
	return p
}

// dissolve returns an unsent proposal's commands to the front of pending.
// Called with s.mu held.
func (s *Server) dissolve(p *proposal) {
	var back []*cmd
	for _, k := range p.cmds {
		k.mu.Lock()
		if k.state == cmdBatched {
			k.state = cmdWaiting
			back = append(back, k)
		}
		k.mu.Unlock()
	}
	s.pending = append(back, s.pending...)
}

func (s *Server) proposeLoop() {
	defer s.wg.Done()
	var above paxos.Ballot
	failures := 0
	for s.ctx.Err() == nil {
		s.mu.Lock()
		if s.cur == nil || s.cur.done {
			s.cur = s.build()
		}
		p, slot := s.cur, s.slots.next()
		s.mu.Unlock()
		if p == nil {
			select {
			case <-s.kick:
			case <-s.ctx.Done():
			}
			continue
		}

		b := s.nextBallot(above)
		r := paxos.NewRound(strconv.FormatUint(slot, 10), b, len(s.cfg.ids), func(cur []byte) ([]byte, error) {
			if cur != nil {
				return cur, nil // the slot already holds a value: finish it
			}
			return p.value, nil
		})
		s.runRound(slot, r)
		if r.AcceptSent() && bytes.Equal(r.Next(), p.value) {
			s.mu.Lock()
			p.frozen = true
			s.mu.Unlock()
		}
		if r.Phase() == paxos.Decided {
			if err := s.learn([]Entry{{Slot: slot, Value: r.Next()}}); err != nil {
				s.log.Error("queue: cannot record decided slot", "slot", slot, "err", err)
			}
			s.broadcastLearn(slot, r.Next())
		}

		s.mu.Lock()
		progressed := s.slots.applied >= slot
		if !p.done && !p.frozen {
			s.dissolve(p)
			s.cur = nil
		}
		s.mu.Unlock()
		if progressed {
			failures = 0
			continue
		}
		above = above.Max(r.Highest())
		failures++
		select {
		case <-time.After(nodeserver.Backoff(failures)):
		case <-s.ctx.Done():
		}
	}
}

// runRound drives r through both phases (nodeserver.RoundIO) until it
// ends, a phase's peer timeout passes, or a reply tells the slot is
// already decided (learned here) or compacted (a catch-up is started).
func (s *Server) runRound(slot uint64, r *paxos.Round) {
	io := nodeserver.RoundIO{IDs: s.cfg.ids, Acceptors: slotAcceptors{s: s, slot: slot}, Timeout: s.cfg.PeerTimeout,
		Stop: func(_ string, err error) bool {
			var st *settledError
			if !errors.As(err, &st) {
				return false
			}
			s.settle(slot, st.rep)
			return true
		}}
	io.Run(s.ctx, r)
}

// settle acts on an acceptor's reply that says slot is already decided:
// it learns the value, or, when the acceptor compacted the slot away,
// starts a catch-up.
func (s *Server) settle(slot uint64, rep SlotReply) {
	if rep.Decided != nil {
		if err := s.learn([]Entry{{Slot: slot, Value: rep.Decided}}); err != nil {
			s.log.Error("queue: cannot record decided slot", "slot", slot, "err", err)
		}
		return
	}
	s.mu.Lock()
	s.slots.noteApplied(rep.Applied)
	s.mu.Unlock()
	select {
	case s.catchKick <- struct{}{}:
	default:
	}
}

// settledError is an acceptor's reply that ends a round at once: the slot
// is decided (Decided) or compacted away (Compacted).
type settledError struct{ rep SlotReply }

func (e *settledError) Error() string { return "queue: the slot is already decided" }

// slotAcceptors are every node's acceptor for one slot, as
// nodeserver.Acceptors: this node's own is called directly, the others
// through the Transport. A reply that settles the slot comes back as a
// *settledError.
type slotAcceptors struct {
	s    *Server
	slot uint64
}

func (a slotAcceptors) Prepare(ctx context.Context, id string, m paxos.Prepare) (paxos.Promise, error) {
	sm := SlotPrepare{Slot: a.slot, Ballot: m.Ballot}
	var rep SlotReply
	var err error
	if id == a.s.cfg.ID {
		rep, err = a.s.prepare(sm)
	} else {
		rep, err = a.s.cfg.Transport.Prepare(ctx, id, sm)
	}
	if err == nil && settles(rep) {
		err = &settledError{rep}
	}
	return rep.Promise, err
}

func (a slotAcceptors) Accept(ctx context.Context, id string, m paxos.Accept) (paxos.Accepted, error) {
	sm := SlotAccept{Slot: a.slot, Ballot: m.Ballot, Value: m.Value}
	var rep SlotReply
	var err error
	if id == a.s.cfg.ID {
		rep, err = a.s.accept(sm)
	} else {
		rep, err = a.s.cfg.Transport.Accept(ctx, id, sm)
	}
	if err == nil && settles(rep) {
		err = &settledError{rep}
	}
	return rep.Accepted, err
}

func settles(rep SlotReply) bool { return rep.Decided != nil || rep.Compacted }

// broadcastLearn tells the other nodes a slot's decided value, best
// effort: a node that misses it catches up later.
func (s *Server) broadcastLearn(slot uint64, v []byte) {
	for _, id := range s.others() {
		go func() {
			ctx, cancel := context.WithTimeout(s.ctx, s.cfg.PeerTimeout)
			defer cancel()
			s.cfg.Transport.Learn(ctx, id, Learn{Slot: slot, Value: v})
		}()
	}
}
