package queue

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/faultline/faultline/targets/paxos"
)

// These tests drive the slot log's core alone: no disk, no network, no
// goroutines. What a shell would make durable is simply installed.

func enqueues(node string, seq uint64, vs ...int64) []byte {
	b := batch{Node: node, Pos: BatchPos{Epoch: 1, Seq: seq}}
	for _, v := range vs {
		b.Cmds = append(b.Cmds, command{Op: cmdEnqueue, Value: v})
	}
	return encodeBatch(b)
}

// learnAll has l learn entries as a shell would: the unknown ones become
// "durable", then are learned.
func learnAll(l *slotLog, entries ...Entry) progress {
	return l.learn(l.unknown(entries))
}

func TestSlotLogAcceptorSteps(t *testing.T) {
	l := newSlotLog("a", 16)
	b1, b2 := paxos.Ballot{Counter: 1, Node: "a"}, paxos.Ballot{Counter: 2, Node: "b"}
	rep, next := l.prepare(SlotPrepare{Slot: 1, Ballot: b2})
	if !rep.Promise.OK || next == nil || next.Promised != b2 {
		t.Fatalf("first prepare: %+v next %+v, want a promise and a state to persist", rep, next)
	}
	l.setState(1, *next)
	if rep, next := l.prepare(SlotPrepare{Slot: 1, Ballot: b2}); !rep.Promise.OK || next != nil {
		t.Fatalf("repeated prepare: %+v next %+v, want the same promise and nothing to persist", rep, next)
	}
	if rep, next := l.prepare(SlotPrepare{Slot: 1, Ballot: b1}); rep.Promise.OK || rep.Promise.Higher != b2 || next != nil {
		t.Fatalf("lower prepare: %+v next %+v, want a refusal naming %v", rep, next, b2)
	}
	v := enqueues("b", 1, 7)
	rep, next = l.accept(SlotAccept{Slot: 1, Ballot: b2, Value: v})
	if !rep.Accepted.OK || next == nil || next.Accepted != b2 {
		t.Fatalf("accept: %+v next %+v", rep, next)
	}
	l.setState(1, *next)
	if l.lags() {
		t.Fatal("lags with nothing decided anywhere")
	}
	l.prepare(SlotPrepare{Slot: 5, Ballot: b2}) // a proposer at slot 5 decided 1..4
	if !l.lags() {
		t.Fatal("a prepare for slot 5 did not tell the node it lags")
	}
}

func TestSlotLogAppliesInSlotOrder(t *testing.T) {
	l := newSlotLog("a", 16)
	l.setState(2, paxos.State{Promised: paxos.Ballot{Counter: 1}})
	if pr := learnAll(l, Entry{Slot: 2, Value: enqueues("a", 1, 2)}); l.applied != 0 || len(pr.own) != 0 {
		t.Fatalf("slot 2 before slot 1: applied %d, own %+v; want nothing applied", l.applied, pr.own)
	}
	if recs := l.unknown([]Entry{{Slot: 2, Value: enqueues("a", 1, 2)}}); len(recs) != 0 {
		t.Fatalf("a known slot is unknown again: %+v", recs)
	}
	pr := learnAll(l, Entry{Slot: 1, Value: enqueues("b", 1, 1)})
	if l.applied != 2 || !slices.Equal(l.q.Elements(), []int64{1, 2}) {
		t.Fatalf("applied %d, queue %v; want 2, [1 2]", l.applied, l.q.Elements())
	}
	if len(pr.own) != 1 || pr.own[0].pos != (BatchPos{Epoch: 1, Seq: 1}) || pr.own[0].res[0].Value != 2 {
		t.Fatalf("own batches %+v, want a's batch with its result", pr.own)
	}
	if _, ok := l.states[2]; ok {
		t.Fatal("an applied slot kept its acceptor state")
	}
}

func TestSlotLogSkipsDuplicatesAndGarbage(t *testing.T) {
	l := newSlotLog("a", 16)
	pr := learnAll(l,
		Entry{Slot: 1, Value: enqueues("b", 1, 1)},
		Entry{Slot: 2, Value: enqueues("b", 1, 1)}, // the same batch won a second slot
		Entry{Slot: 3, Value: []byte("not a batch")},
		Entry{Slot: 4, Value: enqueues("b", 2, 2)},
	)
	if l.applied != 4 || !slices.Equal(l.q.Elements(), []int64{1, 2}) {
		t.Fatalf("applied %d, queue %v; want 4, [1 2]", l.applied, l.q.Elements())
	}
	if len(pr.skipped) != 2 || pr.skipped[0].slot != 2 || pr.skipped[0].err != nil || pr.skipped[1].slot != 3 || pr.skipped[1].err == nil {
		t.Fatalf("skipped %+v, want the duplicate at 2 and the garbage at 3", pr.skipped)
	}
}

func TestSlotLogAnswersDecidedAndCompactedSlots(t *testing.T) {
	l := newSlotLog("a", 2)
	for i := uint64(1); i <= 3; i++ {
		learnAll(l, Entry{Slot: i, Value: enqueues("b", i, int64(i))})
	}
	if rep, next := l.prepare(SlotPrepare{Slot: 3, Ballot: paxos.Ballot{Counter: 9}}); rep.Decided == nil || next != nil || rep.Applied != 3 {
		t.Fatalf("prepare of a decided slot: %+v next %+v, want its value", rep, next)
	}
	if rep, _ := l.accept(SlotAccept{Slot: 1, Ballot: paxos.Ballot{Counter: 9}, Value: []byte("x")}); !rep.Compacted || rep.Decided != nil {
		t.Fatalf("accept of a slot out of the window: %+v, want compacted", rep)
	}
	if cu := l.catchUpFrom(2); cu.Snapshot != nil || len(cu.Entries) != 2 || cu.Entries[0].Slot != 2 || cu.Applied != 3 {
		t.Fatalf("catch up from 2: %+v, want slots 2 and 3", cu)
	}
	if cu := l.catchUpFrom(1); cu.Snapshot == nil || cu.Snapshot.Slot != 3 || !slices.Equal(cu.Snapshot.Queue, []int64{1, 2, 3}) {
		t.Fatalf("catch up from 1: %+v, want a snapshot at 3", cu)
	}
	if cu := l.catchUpFrom(4); cu.Snapshot != nil || len(cu.Entries) != 0 {
		t.Fatalf("catch up from 4: %+v, want nothing", cu)
	}
}

func TestSlotLogInstallsASnapshot(t *testing.T) {
	a, b := newSlotLog("a", 1), newSlotLog("b", 1)
	for i := uint64(1); i <= 3; i++ {
		learnAll(a, Entry{Slot: i, Value: enqueues("b", i, int64(i))})
	}
	b.setState(2, paxos.State{Promised: paxos.Ballot{Counter: 1}})
	b.setState(5, paxos.State{Promised: paxos.Ballot{Counter: 1}})
	snap := *a.catchUpFrom(1).Snapshot
	if !b.ahead(snap) {
		t.Fatal("a snapshot at 3 is not ahead of nothing")
	}
	pr := b.install(snap)
	if !pr.reset || pr.from != 0 || pr.to != 3 || !pr.lastOK || pr.last != (BatchPos{Epoch: 1, Seq: 3}) {
		t.Fatalf("progress %+v, want a reset from 0 to 3 with b's last batch at 1.3", pr)
	}
	if !reflect.DeepEqual(a.snapshot(), b.snapshot()) {
		t.Fatalf("b %+v after installing a's %+v", b.snapshot(), a.snapshot())
	}
	if _, ok := b.states[2]; ok {
		t.Fatal("a slot inside the snapshot kept its acceptor state")
	}
	if _, ok := b.states[5]; !ok {
		t.Fatal("a slot above the snapshot lost its acceptor state")
	}
	if pr := b.install(snap); pr.reset {
		t.Fatal("the same snapshot was installed twice")
	}
}

// TestSlotLogRecordsReplay: the records of a log rewrite give the same
// core back.
func TestSlotLogRecordsReplay(t *testing.T) {
	l := newSlotLog("a", 4)
	learnAll(l, Entry{Slot: 1, Value: enqueues("b", 1, 1)}, Entry{Slot: 3, Value: enqueues("b", 3, 3)})
	l.setState(2, paxos.State{Promised: paxos.Ballot{Counter: 4, Node: "c"}})
	r := newSlotLog("a", 4)
	var snap Snapshot
	for _, rec := range l.records() {
		if err := r.restore(rec, &snap); err != nil {
			t.Fatal(err)
		}
	}
	r.start(snap)
	if !reflect.DeepEqual(r.snapshot(), l.snapshot()) || !reflect.DeepEqual(r.states, l.states) || !reflect.DeepEqual(r.decided[3], l.decided[3]) {
		t.Fatalf("replayed %+v %v %v, want %+v %v %v", r.snapshot(), r.states, r.decided, l.snapshot(), l.states, l.decided)
	}
	if err := r.restore(record{Slot: 9, State: &paxos.State{Value: []byte("x")}}, &snap); err == nil {
		t.Fatal("a state that breaks an invariant was restored")
	}
}

// TestSlotLogSimulation: three cores, each proposing its own batches slot
// after slot through paxos.Rounds whose messages are dropped at random,
// decided values learned late or never, and a lagging node catching up
// from a peer. Every core applies the same slots, and every element is
// in the queue at most once.
func TestSlotLogSimulation(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		ids := []string{"a", "b", "c"}
		logs := map[string]*slotLog{}
		for _, id := range ids {
			logs[id] = newSlotLog(id, 3)
		}
		ballots := map[string]*paxos.Ballots{}
		seqs := map[string]uint64{}
		for _, id := range ids {
			ballots[id] = paxos.NewBallots(id, 1)
		}
		lost := func() bool { return rng.IntN(4) == 0 }
		next := int64(0)
		for step := 0; step < 200; step++ {
			id := ids[rng.IntN(len(ids))]
			l := logs[id]
			slot := l.next()
			seqs[id]++
			next++
			value := enqueues(id, seqs[id], next)
			r := paxos.NewRound(strconv.FormatUint(slot, 10), ballots[id].Next(paxos.Ballot{}), len(ids), func(cur []byte) ([]byte, error) {
				if cur != nil {
					return cur, nil
				}
				return value, nil
			})
			settled := false
			for _, to := range ids {
				if lost() {
					continue
				}
				rep, st := logs[to].prepare(SlotPrepare{Slot: slot, Ballot: r.Ballot()})
				if st != nil {
					logs[to].setState(slot, *st)
				}
				if rep.Decided != nil || rep.Compacted {
					settled = true
					break
				}
				r.OnPromise(to, rep.Promise)
			}
			if !settled && r.Phase() == paxos.Accepting {
				m := r.Accept()
				for _, to := range ids {
					if lost() {
						continue
					}
					rep, st := logs[to].accept(SlotAccept{Slot: slot, Ballot: m.Ballot, Value: m.Value})
					if st != nil {
						logs[to].setState(slot, *st)
					}
					r.OnAccepted(to, rep.Accepted)
				}
			}
			if r.Phase() == paxos.Decided {
				for _, to := range ids {
					if to == id || !lost() {
						learnAll(logs[to], Entry{Slot: slot, Value: r.Next()})
					}
				}
			}
			if rng.IntN(5) == 0 { // a lagging node catches up from a peer
				to, from := logs[ids[rng.IntN(3)]], logs[ids[rng.IntN(3)]]
				cu := from.catchUpFrom(to.next())
				if cu.Snapshot != nil {
					to.install(*cu.Snapshot)
				}
				learnAll(to, cu.Entries...)
			}
		}
		// Heal: everyone catches up from the most advanced node.
		best := logs["a"]
		for _, l := range logs {
			if l.applied > best.applied {
				best = l
			}
		}
		for _, l := range logs {
			for l.applied < best.applied {
				cu := best.catchUpFrom(l.next())
				if cu.Snapshot != nil {
					l.install(*cu.Snapshot)
				}
				learnAll(l, cu.Entries...)
			}
			if !reflect.DeepEqual(l.snapshot(), best.snapshot()) {
				t.Fatalf("seed %d: %s at %+v, %s at %+v", seed, l.self, l.snapshot(), best.self, best.snapshot())
			}
		}
		q := best.q.Elements()
		seen := map[int64]bool{}
		for _, v := range q {
			if seen[v] {
				t.Fatalf("seed %d: %d enqueued twice: %v", seed, v, q)
			}
			seen[v] = true
		}
		if best.applied == 0 {
			t.Fatalf("seed %d: nothing decided in 200 rounds", seed)
		}
	}
}
