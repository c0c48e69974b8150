package queue

import (
	"sync"

	"github.com/faultline/faultline/targets/paxos"
)

// The acceptor's shell: the core (slotLog.prepare, slotLog.accept) steps a
// slot's paxos.State, and the new state is persisted BEFORE any reply
// leaves the node. A slot this node already knows decided is not stepped
// at all: the reply carries the decided value (or, when the slot was
// compacted away, says so), which is safe because a decided value is
// final.

func (s *Server) slotLock(slot uint64) *sync.Mutex {
	l := &s.slotLocks[slot%uint64(len(s.slotLocks))]
	l.Lock()
	return l
}

func (s *Server) prepare(m SlotPrepare) (SlotReply, error) {
	return s.step(m.Slot, func() (SlotReply, *paxos.State) { return s.slots.prepare(m) })
}

func (s *Server) accept(m SlotAccept) (SlotReply, error) {
	return s.step(m.Slot, func() (SlotReply, *paxos.State) { return s.slots.accept(m) })
}

// step runs one acceptor step of the core on slot, under the slot's lock,
// and makes the state it changed durable (then installs it) BEFORE it
// returns the reply.
func (s *Server) step(slot uint64, f func() (SlotReply, *paxos.State)) (SlotReply, error) {
	l := s.slotLock(slot)
	defer l.Unlock()
	s.mu.Lock()
	rep, next := f()
	s.mu.Unlock()
	if next != nil {
		st := *next
		if err := s.persist([]record{{Slot: slot, State: &st}}, func() { s.slots.setState(slot, st) }); err != nil {
			return SlotReply{}, err
		}
	}
	return rep, nil
}
