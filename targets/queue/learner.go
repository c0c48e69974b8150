package queue

import (
	"context"
	"math/rand/v2"
	"time"
)

// The learner's shell: decided values become durable, then the core
// (slotLog) applies them to the queue in slot order; a node that lags
// fetches what it missed from a peer. (The log is rewritten as a snapshot
// once it grows: storage.go.)

// act answers this node's batch in flight from what a step of the core
// applied, and logs the slots it skipped. Called with s.mu held.
func (s *Server) act(pr progress) {
	if pr.reset {
		s.log.Info("queue: installed snapshot", "from_slot", pr.from, "to_slot", pr.to)
		s.checkCurrent(nil, pr.last, pr.lastOK)
	}
	for _, sk := range pr.skipped {
		if sk.err != nil {
			s.log.Error("queue: skipping undecodable slot", "slot", sk.slot, "err", sk.err)
		} else {
			s.log.Warn("queue: skipping duplicate batch", "slot", sk.slot, "node", sk.node, "pos", sk.pos, "last", sk.last)
		}
	}
	for _, ab := range pr.own {
		s.checkCurrent(&ab, ab.pos, true)
	}
}

// checkCurrent completes this node's batch in flight if it was applied:
// with its results when ab is that batch, or (after a snapshot skipped it)
// with the enqueues known done, the dequeues and outcome requests with ids
// answered from the recorded outcomes, and other dequeues' results
// unknown. last is this node's last applied batch at that point (ok
// false: none). Called with s.mu held.
func (s *Server) checkCurrent(ab *appliedBatch, last BatchPos, ok bool) {
	p := s.cur
	if p == nil || p.done || !p.frozen && ab == nil {
		return
	}
	if ab != nil && ab.pos == p.pos {
		p.finish(ab.res, nil)
		return
	}
	if ok && !last.Less(p.pos) {
		p.finish(nil, s.slots.q.lookup)
	}
}

// learn makes the decided entries the core does not know durable, then
// has the core apply what it can.
func (s *Server) learn(entries []Entry) error {
	s.mu.Lock()
	recs := s.slots.unknown(entries)
	s.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	// Durable BEFORE it is applied (and before any client is answered).
	return s.persist(recs, func() { s.act(s.slots.learn(recs)) })
}

// installSnapshot adopts a peer's snapshot if it is ahead of this node.
func (s *Server) installSnapshot(snap Snapshot) error {
	s.mu.Lock()
	ahead := s.slots.ahead(snap)
	s.mu.Unlock()
	if !ahead {
		return nil
	}
	return s.persist([]record{{Snapshot: &snap}}, func() { s.act(s.slots.install(snap)) })
}

// catchUpFrom answers a peer that wants slots from on.
func (s *Server) catchUpFrom(from uint64) CatchUp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slots.catchUpFrom(from)
}

// catchUpLoop asks a peer for missed slots when this node knows it lags,
// and now and then anyway (a restarted node learns it lags only by asking).
func (s *Server) catchUpLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.CatchUpInterval)
	defer t.Stop()
	ticks := 0
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			ticks++
		case <-s.catchKick:
		}
		s.mu.Lock()
		lag := s.slots.lags()
		s.mu.Unlock()
		if lag || ticks%5 == 0 {
			s.catchUp()
		}
	}
}

// catchUp fetches from peers (in random order) until this node has
// applied everything the first answering peer had.
func (s *Server) catchUp() {
	peers := s.others()
	rand.Shuffle(len(peers), func(i, j int) { peers[i], peers[j] = peers[j], peers[i] })
	for _, id := range peers {
		for range 64 { // bounded rounds per peer
			s.mu.Lock()
			from := s.slots.next()
			s.mu.Unlock()
			ctx, cancel := context.WithTimeout(s.ctx, 2*s.cfg.PeerTimeout)
			cu, err := s.cfg.Transport.CatchUp(ctx, id, from)
			cancel()
			if err != nil {
				break // try the next peer
			}
			if cu.Snapshot != nil {
				if err := s.installSnapshot(*cu.Snapshot); err != nil {
					return
				}
			}
			if err := s.learn(cu.Entries); err != nil {
				return
			}
			s.mu.Lock()
			s.slots.noteApplied(cu.Applied)
			done := s.slots.applied >= cu.Applied
			s.mu.Unlock()
			if done {
				return
			}
			if cu.Snapshot == nil && len(cu.Entries) == 0 {
				break
			}
		}
	}
}

func (s *Server) others() []string {
	var out []string
	for _, id := range s.cfg.ids {
		if id != s.cfg.ID {
			out = append(out, id)
		}
	}
	return out
}
