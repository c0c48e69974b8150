package queue

import (
	"sync"

	"github.com/faultline/faultline/targets/paxos"
)

// The acceptor side: one paxos.State per open slot, persisted BEFORE any
// reply leaves the node. A slot this node already knows decided is not
// stepped at all: the reply carries the decided value (or, when the slot
// was compacted away, says so), which is safe because a decided value is
// final.

func (s *Server) slotLock(slot uint64) *sync.Mutex {
	l := &s.slotLocks[slot%uint64(len(s.slotLocks))]
	l.Lock()
	return l
}

// known fills rep from what this node knows about a decided slot and
// reports whether it knew anything. Called with s.mu held.
func (s *Server) known(slot uint64, rep *SlotReply) bool {
	rep.Applied = s.applied
	if v, ok := s.decided[slot]; ok {
		rep.Decided = v
		return true
	}
	if slot <= s.applied {
		rep.Compacted = true
		return true
	}
	s.maxKnown = max(s.maxKnown, slot-1) // a proposer at slot has decided every slot below it
	return false
}

func (s *Server) prepare(m SlotPrepare) (SlotReply, error) {
	l := s.slotLock(m.Slot)
	defer l.Unlock()
	var rep SlotReply
	s.mu.Lock()
	if s.known(m.Slot, &rep) {
		s.mu.Unlock()
		return rep, nil
	}
	st := s.states[m.Slot]
	s.mu.Unlock()
	next, p, changed := st.OnPrepare(m.Ballot, paxos.ModePaxos)
	if changed {
		if err := s.persistState(m.Slot, next); err != nil {
			return SlotReply{}, err
		}
	}
	rep.Promise = p
	return rep, nil
}

func (s *Server) accept(m SlotAccept) (SlotReply, error) {
	l := s.slotLock(m.Slot)
	defer l.Unlock()
	var rep SlotReply
	s.mu.Lock()
	if s.known(m.Slot, &rep) {
		s.mu.Unlock()
		return rep, nil
	}
	st := s.states[m.Slot]
	s.mu.Unlock()
	next, a, changed := st.OnAccept(m.Ballot, m.Value)
	if changed {
		if err := s.persistState(m.Slot, next); err != nil {
			return SlotReply{}, err
		}
	}
	rep.Accepted = a
	return rep, nil
}

// persistState makes slot's state durable, then installs it in memory
// (unless the slot was applied meanwhile). The caller holds the slot lock.
func (s *Server) persistState(slot uint64, st paxos.State) error {
	return s.persist([]record{{Slot: slot, State: &st}}, func() {
		if slot > s.applied {
			s.states[slot] = st
		}
	})
}
