package queue

import (
	"fmt"
	"maps"

	"github.com/faultline/faultline/targets/paxos"
)

// slotLog is the deterministic core of a queue node: the replicated log of
// slots (an acceptor state per open slot, the decided values) and the FIFO
// queue it applies them to in slot order. It does no I/O, starts no
// goroutine, reads no clock and takes no lock: each method is a state
// transition on a message, and the shell (Server) serialises the calls,
// makes what a method says durable BEFORE it acts on the result (see each
// method), sends the replies, and answers its clients from the progress
// the calls report.
type slotLog struct {
	self   string // this node's id: its batches are reported in progress
	window int    // applied slots whose decided values stay for lagging peers

	// applied is the highest slot applied to q.
	// Invariant: every slot <= applied is decided and applied exactly once.
	applied uint64
	q       *fifo
	// last is, per proposer node, the position of its last applied batch;
	// a batch at or below it is a duplicate and is skipped.
	last map[string]BatchPos
	// decided holds decided values: slots in [oldest, applied] for lagging
	// peers, and slots above applied waiting for a gap to fill.
	// Invariant: oldest <= applied+1, and no slot below oldest is held.
	decided map[uint64][]byte
	oldest  uint64
	// states holds the acceptor state of slots above applied.
	// Invariant: no slot <= applied has a state (a decided value is final).
	states map[uint64]paxos.State
	// maxKnown is the highest slot some node is known to have decided.
	maxKnown uint64
}

// progress is what one step applied, for the shell to act on.
type progress struct {
	// reset: a snapshot replaced the applied state (from the applied slot
	// From to To) before anything else in the step; Last is this node's
	// last applied batch after it (LastOK false: none).
	reset    bool
	from, to uint64
	last     BatchPos
	lastOK   bool
	// own are this node's batches that were applied, in slot order.
	own []appliedBatch
	// skipped are the decided slots that changed nothing, for the log.
	skipped []skippedSlot
}

// appliedBatch is one of this node's batches, applied: its position and
// its commands' results.
type appliedBatch struct {
	pos BatchPos
	res []result
}

// skippedSlot is a decided slot that was not applied: its value did not
// decode (err), or it repeats a batch already applied (node, pos, last).
type skippedSlot struct {
	slot      uint64
	err       error
	node      string
	pos, last BatchPos
}

// newSlotLog returns the log of a node with nothing applied. A shell
// replaying a log from disk calls restore for every record, then start.
func newSlotLog(self string, window int) *slotLog {
	l := &slotLog{self: self, window: window, decided: map[uint64][]byte{}, states: map[uint64]paxos.State{}}
	l.resetTo(Snapshot{})
	return l
}

// --- recovery ---

// restore folds one replayed record into l: snap is the newest snapshot
// replayed so far (restore keeps it up to date); acceptor states and
// decided values above it are kept. Epoch records are the shell's.
func (l *slotLog) restore(r record, snap *Snapshot) error {
	switch {
	case r.Snapshot != nil:
		if r.Snapshot.Slot >= snap.Slot {
			*snap = *r.Snapshot
		}
	case r.State != nil:
		if err := r.State.Check(); err != nil {
			return fmt.Errorf("queue: slot %d: %w", r.Slot, err)
		}
		if r.Slot > snap.Slot {
			l.states[r.Slot] = *r.State
		}
	case r.Decided != nil:
		if r.Slot > snap.Slot {
			l.decided[r.Slot] = r.Decided
		}
	}
	return nil
}

// start ends recovery: it adopts the newest snapshot and applies the
// decided slots that follow it.
func (l *slotLog) start(snap Snapshot) progress {
	var pr progress
	l.resetTo(snap)
	l.applyReady(&pr)
	return pr
}

// --- the acceptor ---

// prepare is the acceptor's step for m. When next is not nil it is the
// slot's new state: the shell makes it durable, then calls setState,
// BEFORE rep leaves the node. A slot already decided is not stepped: rep
// carries the decided value, or says it was compacted away.
func (l *slotLog) prepare(m SlotPrepare) (rep SlotReply, next *paxos.State) {
	return l.step(m.Slot, func(st paxos.State, rep *SlotReply) (paxos.State, bool) {
		next, p, changed := st.OnPrepare(m.Ballot, paxos.ModePaxos)
		rep.Promise = p
		return next, changed
	})
}

// accept is the acceptor's step for m, as prepare is for a SlotPrepare.
func (l *slotLog) accept(m SlotAccept) (rep SlotReply, next *paxos.State) {
	return l.step(m.Slot, func(st paxos.State, rep *SlotReply) (paxos.State, bool) {
		next, a, changed := st.OnAccept(m.Ballot, m.Value)
		rep.Accepted = a
		return next, changed
	})
}

// step is an acceptor step on slot's state, unless the slot is known
// decided.
func (l *slotLog) step(slot uint64, f func(paxos.State, *SlotReply) (paxos.State, bool)) (rep SlotReply, next *paxos.State) {
	if l.known(slot, &rep) {
		return rep, nil
	}
	if st, changed := f(l.states[slot], &rep); changed {
		next = &st
	}
	return rep, next
}

// setState installs slot's state once it is durable, unless the slot was
// applied meanwhile.
func (l *slotLog) setState(slot uint64, st paxos.State) {
	if slot > l.applied {
		l.states[slot] = st
	}
}

// known fills rep from what l knows about a decided slot and reports
// whether it knew anything.
func (l *slotLog) known(slot uint64, rep *SlotReply) bool {
	rep.Applied = l.applied
	if v, ok := l.decided[slot]; ok {
		rep.Decided = v
		return true
	}
	if slot <= l.applied {
		rep.Compacted = true
		return true
	}
	l.maxKnown = max(l.maxKnown, slot-1) // a proposer at slot has decided every slot below it
	return false
}

// --- the learner ---

// unknown returns the records of the decided entries l does not hold yet
// (entries at or below applied, or already known, are ignored). The shell
// makes them durable, then calls learn, BEFORE anything is applied.
func (l *slotLog) unknown(entries []Entry) []record {
	var recs []record
	for _, e := range entries {
		if _, ok := l.decided[e.Slot]; e.Slot > l.applied && !ok && e.Value != nil {
			recs = append(recs, record{Slot: e.Slot, Decided: e.Value})
		}
	}
	return recs
}

// learn installs decided values that are durable (from unknown) and
// applies every decided slot that follows applied.
func (l *slotLog) learn(recs []record) progress {
	var pr progress
	for _, r := range recs {
		if r.Slot > l.applied {
			l.decided[r.Slot] = r.Decided
			l.maxKnown = max(l.maxKnown, r.Slot)
		}
	}
	l.applyReady(&pr)
	return pr
}

// ahead reports whether snap is ahead of what l applied: only then is it
// worth making durable and installing.
func (l *slotLog) ahead(snap Snapshot) bool { return snap.Slot > l.applied }

// install adopts snap, durable, if it is still ahead, then applies the
// decided slots that follow it.
func (l *slotLog) install(snap Snapshot) progress {
	var pr progress
	if !l.ahead(snap) {
		return pr
	}
	pr.reset, pr.from, pr.to = true, l.applied, snap.Slot
	l.resetTo(snap)
	pr.last, pr.lastOK = l.last[l.self]
	l.applyReady(&pr)
	return pr
}

// noteApplied records that some node applied every slot up to slot.
func (l *slotLog) noteApplied(slot uint64) { l.maxKnown = max(l.maxKnown, slot) }

// lags reports whether some node is known to have decided more than l
// applied.
func (l *slotLog) lags() bool { return l.maxKnown > l.applied }

// next is the first slot not applied: the one a proposer fills.
func (l *slotLog) next() uint64 { return l.applied + 1 }

// resetTo replaces the applied state with snap.
func (l *slotLog) resetTo(snap Snapshot) {
	l.q = newFIFO(snap.Queue, snap.Outcomes)
	l.applied = snap.Slot
	l.last = maps.Clone(snap.Last)
	if l.last == nil {
		l.last = map[string]BatchPos{}
	}
	for slot := range l.decided {
		if slot <= l.applied {
			delete(l.decided, slot)
		}
	}
	for slot := range l.states {
		if slot <= l.applied {
			delete(l.states, slot)
		}
	}
	l.oldest = l.applied + 1
	l.maxKnown = max(l.maxKnown, l.applied)
}

// applyReady applies every decided slot that follows applied, and drops
// the decided values that fell out of the window.
func (l *slotLog) applyReady(pr *progress) {
	for {
		v, ok := l.decided[l.applied+1]
		if !ok {
			break
		}
		l.applied++
		delete(l.states, l.applied)
		b, err := decodeBatch(v)
		switch p, seen := l.last[b.Node]; {
		case err != nil:
			// Every node decodes the same bytes the same way, so skipping
			// keeps the replicas identical.
			pr.skipped = append(pr.skipped, skippedSlot{slot: l.applied, err: err})
		case seen && !p.Less(b.Pos):
			pr.skipped = append(pr.skipped, skippedSlot{slot: l.applied, node: b.Node, pos: b.Pos, last: p})
		default:
			res := l.q.apply(b)
			l.last[b.Node] = b.Pos
			if b.Node == l.self {
				pr.own = append(pr.own, appliedBatch{pos: b.Pos, res: res})
			}
		}
		for int(l.applied-l.oldest+1) > l.window {
			delete(l.decided, l.oldest)
			l.oldest++
		}
	}
	l.maxKnown = max(l.maxKnown, l.applied)
}

// --- answers to peers, and the log rewrite ---

// maxCatchUp bounds the entries of one CatchUp answer.
const maxCatchUp = 512

// catchUpFrom answers a peer that wants slots from on: the decided values
// still in the window, or a snapshot when from fell out of it.
func (l *slotLog) catchUpFrom(from uint64) CatchUp {
	out := CatchUp{Applied: l.applied, Entries: []Entry{}}
	if from > l.applied {
		return out
	}
	if from < l.oldest {
		out.Snapshot = l.snapshot()
		return out
	}
	for slot := from; slot <= l.applied && len(out.Entries) < maxCatchUp; slot++ {
		out.Entries = append(out.Entries, Entry{Slot: slot, Value: l.decided[slot]})
	}
	return out
}

// snapshot is the applied state.
func (l *slotLog) snapshot() *Snapshot {
	return &Snapshot{Slot: l.applied, Queue: l.q.Elements(), Last: maps.Clone(l.last), Outcomes: l.q.Outcomes()}
}

// records is l as log records, for a log rewrite: a snapshot of the
// applied state, then the decided values and acceptor states above it.
// Replaying them (restore, start) gives l back.
func (l *slotLog) records() []record {
	recs := []record{{Snapshot: l.snapshot()}}
	for sl, v := range l.decided {
		if sl > l.applied {
			recs = append(recs, record{Slot: sl, Decided: v})
		}
	}
	for sl, st := range l.states {
		if sl > l.applied {
			recs = append(recs, record{Slot: sl, State: &st})
		}
	}
	return recs
}

// logLen is the number of slots held in memory.
func (l *slotLog) logLen() int { return len(l.decided) + len(l.states) }
