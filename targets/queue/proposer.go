package queue

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

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
func (s *Server) submit(ctx context.Context, c command) (result, *opError) {
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
		return result{}, definite(503, "queue: %s: not proposed within %s (no quorum reachable?)", name, s.cfg.OpTimeout)
	case cmdDone:
		return s.outcome(name, <-k.res)
	}
	return result{}, indeterminate("queue: %s: proposed, but its slot was not decided within %s; it may still take effect", name, s.cfg.OpTimeout)
}

func (s *Server) outcome(name string, r cmdResult) (result, *opError) {
	if !r.known {
		return result{}, indeterminate("queue: %s: applied, but its result was compacted away before this node learned it", name)
	}
	return r.r, nil
}

func (s *Server) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// flushLoop (async-ack) moves buffered enqueues into the log, in batches.
func (s *Server) flushLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.AsyncFlush)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
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
		p, slot := s.cur, s.applied+1
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
		progressed := s.applied >= slot
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
		case <-time.After(backoff(failures)):
		case <-s.ctx.Done():
		}
	}
}

// backoff is a randomised wait before retry n: up to 2ms * 2^n, capped.
func backoff(n int) time.Duration {
	limit := 2 * time.Millisecond << min(n, 6)
	return time.Duration(rand.Int64N(int64(limit))) + time.Millisecond
}

type peerReply struct {
	from string
	rep  SlotReply
	err  error
}

// runRound drives r through both phases until it ends, a phase's peer
// timeout passes, or a reply tells the slot is already decided (learned
// here) or compacted (a catch-up is started).
func (s *Server) runRound(slot uint64, r *paxos.Round) {
	prep := SlotPrepare{Slot: slot, Ballot: r.Ballot()}
	if !s.phase(slot, func(ctx context.Context, id string) (SlotReply, error) {
		if id == s.cfg.ID {
			return s.prepare(prep)
		}
		return s.cfg.Transport.Prepare(ctx, id, prep)
	}, func(rep peerReply) bool { return r.OnPromise(rep.from, rep.rep.Promise) }) {
		return
	}
	if r.Phase() != paxos.Accepting {
		return
	}
	m := r.Accept() // marks the round AcceptSent before anything leaves
	acc := SlotAccept{Slot: slot, Ballot: m.Ballot, Value: m.Value}
	s.phase(slot, func(ctx context.Context, id string) (SlotReply, error) {
		if id == s.cfg.ID {
			return s.accept(acc)
		}
		return s.cfg.Transport.Accept(ctx, id, acc)
	}, func(rep peerReply) bool { return r.OnAccepted(rep.from, rep.rep.Accepted) })
}

// phase sends to every node and delivers replies until deliver says the
// phase ended, the peer timeout passes, or every node answered. It returns
// false when a reply showed the slot decided or compacted.
func (s *Server) phase(slot uint64, send func(context.Context, string) (SlotReply, error), deliver func(peerReply) bool) bool {
	ids := s.cfg.ids
	ch := make(chan peerReply, len(ids))
	// Requests outlive the phase (until the peer timeout) so that slow
	// acceptors still learn; their replies are dropped.
	pctx, cancel := context.WithTimeout(s.ctx, s.cfg.PeerTimeout)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := send(pctx, id)
			ch <- peerReply{from: id, rep: rep, err: err}
		}()
	}
	go func() {
		wg.Wait()
		cancel()
	}()
	for got := 0; got < len(ids); {
		select {
		case rep := <-ch:
			got++
			if rep.err != nil {
				continue
			}
			if rep.rep.Decided != nil {
				if err := s.learn([]Entry{{Slot: slot, Value: rep.rep.Decided}}); err != nil {
					s.log.Error("queue: cannot record decided slot", "slot", slot, "err", err)
				}
				return false
			}
			if rep.rep.Compacted {
				s.mu.Lock()
				s.maxKnown = max(s.maxKnown, rep.rep.Applied)
				s.mu.Unlock()
				select {
				case s.catchKick <- struct{}{}:
				default:
				}
				return false
			}
			if deliver(rep) {
				return true
			}
		case <-pctx.Done():
			return true
		}
	}
	return true
}

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
