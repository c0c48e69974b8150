package queue

import (
	"context"
	"maps"
	"math/rand/v2"
	"time"
)

// The learner side: decided values become durable, then are applied to the
// queue in slot order; a node that lags fetches what it missed from a peer.
// (The log is rewritten as a snapshot once it grows: storage.go.)

// resetTo replaces the applied state with snap. Called with s.mu held.
func (s *Server) resetTo(snap Snapshot) {
	s.q = newFIFO(snap.Queue, snap.Outcomes)
	s.applied = snap.Slot
	s.last = maps.Clone(snap.Last)
	if s.last == nil {
		s.last = map[string]BatchPos{}
	}
	for slot := range s.decided {
		if slot <= s.applied {
			delete(s.decided, slot)
		}
	}
	for slot := range s.states {
		if slot <= s.applied {
			delete(s.states, slot)
		}
	}
	s.oldest = s.applied + 1
	s.maxKnown = max(s.maxKnown, s.applied)
	s.checkCurrent(nil)
}

// applyReady applies every decided slot that follows applied. Called with
// s.mu held.
func (s *Server) applyReady() {
	for {
		v, ok := s.decided[s.applied+1]
		if !ok {
			break
		}
		s.applied++
		delete(s.states, s.applied)
		b, err := decodeBatch(v)
		if err != nil {
			// Every node decodes the same bytes the same way, so skipping
			// keeps the replicas identical.
			s.log.Error("queue: skipping undecodable slot", "slot", s.applied, "err", err)
		} else if p, seen := s.last[b.Node]; seen && !p.Less(b.Pos) {
			s.log.Warn("queue: skipping duplicate batch", "slot", s.applied, "node", b.Node, "pos", b.Pos, "last", p)
		} else {
			res := s.q.apply(b)
			s.last[b.Node] = b.Pos
			if b.Node == s.cfg.ID {
				s.checkCurrent(&appliedBatch{pos: b.Pos, res: res})
			}
		}
		for int(s.applied-s.oldest+1) > s.cfg.Window {
			delete(s.decided, s.oldest)
			s.oldest++
		}
	}
	s.maxKnown = max(s.maxKnown, s.applied)
}

type appliedBatch struct {
	pos BatchPos
	res []result
}

// checkCurrent completes this node's batch in flight if it was applied:
// with its results when ab is that batch, or (after a snapshot skipped it)
// with the enqueues known done, the dequeues and outcome requests with ids
// answered from the recorded outcomes, and other dequeues' results
// unknown. Called with s.mu held.
func (s *Server) checkCurrent(ab *appliedBatch) {
	p := s.cur
	if p == nil || p.done || !p.frozen && ab == nil {
		return
	}
	if ab != nil && ab.pos == p.pos {
		p.finish(ab.res, nil)
		return
	}
	if last, ok := s.last[s.cfg.ID]; ok && !last.Less(p.pos) {
		p.finish(nil, s.q.lookup)
	}
}

// learn makes entries durable and applies what it can. Entries at or below
// applied, or already known, are ignored.
func (s *Server) learn(entries []Entry) error {
	s.mu.Lock()
	var recs []record
	for _, e := range entries {
		if _, ok := s.decided[e.Slot]; e.Slot > s.applied && !ok && e.Value != nil {
			recs = append(recs, record{Slot: e.Slot, Decided: e.Value})
		}
	}
	s.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	// Durable BEFORE it is applied (and before any client is answered).
	return s.persist(recs, func() {
		for _, r := range recs {
			if r.Slot > s.applied {
				s.decided[r.Slot] = r.Decided
				s.maxKnown = max(s.maxKnown, r.Slot)
			}
		}
		s.applyReady()
	})
}

// installSnapshot adopts a peer's snapshot if it is ahead of this node.
func (s *Server) installSnapshot(snap Snapshot) error {
	s.mu.Lock()
	ahead := snap.Slot > s.applied
	s.mu.Unlock()
	if !ahead {
		return nil
	}
	return s.persist([]record{{Snapshot: &snap}}, func() {
		if snap.Slot > s.applied {
			s.log.Info("queue: installed snapshot", "from_slot", s.applied, "to_slot", snap.Slot)
			s.resetTo(snap)
			s.applyReady()
		}
	})
}

// maxCatchUp bounds the entries of one CatchUp answer.
const maxCatchUp = 512

// catchUpFrom answers a peer that wants slots from on.
func (s *Server) catchUpFrom(from uint64) CatchUp {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := CatchUp{Applied: s.applied, Entries: []Entry{}}
	if from > s.applied {
		return out
	}
	if from < s.oldest {
		out.Snapshot = s.snapshotLocked()
		return out
	}
	for slot := from; slot <= s.applied && len(out.Entries) < maxCatchUp; slot++ {
		out.Entries = append(out.Entries, Entry{Slot: slot, Value: s.decided[slot]})
	}
	return out
}

func (s *Server) snapshotLocked() *Snapshot {
	return &Snapshot{Slot: s.applied, Queue: s.q.Elements(), Last: maps.Clone(s.last), Outcomes: s.q.Outcomes()}
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
		lag := s.maxKnown > s.applied
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
			from := s.applied + 1
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
			s.maxKnown = max(s.maxKnown, cu.Applied)
			done := s.applied >= cu.Applied
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
