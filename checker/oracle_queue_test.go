package checker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/faultline/faultline/history"
)

// A naive oracle for the FIFO model: brute-force linearizability of small
// queue histories from the definition, independent of porcupine and of the
// end-of-time encoding. Every ok op is linearized once, a fail op never, an
// info op at most once; the order respects real time and FIFO semantics.

type qOracleOp struct {
	enq       bool
	v         int64 // enqueue: the value; ok dequeue: the result
	empty     bool  // ok dequeue found the queue empty
	typ       history.Type
	call, ret int // event positions; ret is meaningless unless ok
}

func qOracle(ops []qOracleOp) bool {
	var must uint32
	for i, o := range ops {
		if o.typ == history.OK {
			must |= 1 << i
		}
	}
	seen := map[string]bool{}
	var dfs func(done uint32, st []int64) bool
	dfs = func(done uint32, st []int64) bool {
		if done&must == must {
			return true
		}
		key := fmt.Sprint(done, st)
		if seen[key] {
			return false
		}
		seen[key] = true
		for i, o := range ops {
			if done&(1<<i) != 0 || o.typ == history.Fail {
				continue
			}
			ready := true
			for j, p := range ops {
				if j != i && p.typ == history.OK && done&(1<<j) == 0 && p.ret < o.call {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			next := st
			switch {
			case o.enq:
				next = append(slices.Clone(st), o.v)
			case o.typ != history.OK:
				if len(st) > 0 {
					next = st[1:]
				}
			case o.empty:
				if len(st) != 0 {
					continue
				}
			default:
				if len(st) == 0 || st[0] != o.v {
					continue
				}
				next = st[1:]
			}
			if dfs(done|1<<i, next) {
				return true
			}
		}
		return false
	}
	return dfs(0, nil)
}

// randomQueueHistory simulates a real queue (so most histories are valid)
// and then, sometimes, corrupts one dequeue result.
func randomQueueHistory(rng *rand.Rand) ([]qOracleOp, history.History) {
	n := 2 + rng.IntN(6)
	// 2n event slots; op i invokes at its first slot and completes at its
	// second.
	slots := make([]int, 2*n)
	for i := range slots {
		slots[i] = i / 2
	}
	rng.Shuffle(len(slots), func(a, b int) { slots[a], slots[b] = slots[b], slots[a] })
	ops := make([]qOracleOp, n)
	first := make([]bool, n)
	for pos, i := range slots {
		if !first[i] {
			ops[i].call, first[i] = pos, true
		} else {
			ops[i].ret = pos
		}
	}
	for i := range ops {
		ops[i].enq = rng.IntN(2) == 0
		if ops[i].enq {
			ops[i].v = int64(i + 1)
		}
		switch r := rng.IntN(10); {
		case r < 7:
			ops[i].typ = history.OK
		case r < 9:
			ops[i].typ = history.Info
		default:
			ops[i].typ = history.Fail
		}
	}
	// Linearize: ok ops at a point inside [call, ret], info ops (half of
	// them) anywhere after call; apply in that order to set dequeue results.
	type lin struct {
		at float64
		i  int
	}
	var order []lin
	for i, o := range ops {
		switch {
		case o.typ == history.OK:
			order = append(order, lin{float64(o.call) + rng.Float64()*float64(o.ret-o.call), i})
		case o.typ == history.Info && rng.IntN(2) == 0:
			order = append(order, lin{float64(o.call) + rng.Float64()*float64(2*n-o.call), i})
		}
	}
	slices.SortFunc(order, func(a, b lin) int {
		if a.at < b.at {
			return -1
		}
		return 1
	})
	var q []int64
	for _, l := range order {
		o := &ops[l.i]
		if o.enq {
			q = append(q, o.v)
			continue
		}
		if len(q) == 0 {
			o.empty = true
			continue
		}
		o.v, q = q[0], q[1:]
	}
	if rng.IntN(3) == 0 {
		for i := range ops {
			if !ops[i].enq && ops[i].typ == history.OK {
				ops[i].empty = rng.IntN(3) == 0
				ops[i].v = int64(1 + rng.IntN(n))
				break
			}
		}
	}
	// The history, one event per slot.
	h := make(history.History, 0, 2*n)
	for pos, i := range slots {
		o := ops[i]
		op := history.Op{Index: int64(pos), Time: int64(pos) * 10, Process: history.Process(i), F: "dequeue"}
		if o.enq {
			op.F, op.Value = "enqueue", history.Raw(o.v)
		}
		if pos == o.call {
			op.Type = history.Invoke
		} else {
			op.Type = o.typ
			if !o.enq {
				op.Value = nil
				if o.typ == history.OK {
					op.Value = []byte("null")
					if !o.empty {
						op.Value = []byte(strconv.FormatInt(o.v, 10))
					}
				}
			}
		}
		h = append(h, op)
	}
	return ops, h
}

// The porcupine model (the timeline's, and FIFO's fallback for repeated
// values) agrees with the oracle.
func TestFIFOModelAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var valid, invalid int
	m := FIFOQueue()
	for k := range 3000 {
		ops, h := randomQueueHistory(rng)
		want := qOracle(ops)
		prep, err := m.prepare(h)
		if err != nil {
			t.Fatal(err)
		}
		dropUnseenEnqueues(prep)
		res := Linearizable{Model: m}.check(context.Background(), prep)
		if res.Verdict == Unknown && res.Details["ops"].(map[string]int)["ok"] == 0 {
			continue // nothing ok: too little activity, nothing to compare
		}
		got := res.Verdict == Valid
		if res.Verdict == Unknown || got != want {
			t.Fatalf("history %d: porcupine %s, oracle valid=%v\n%s\nsummary: %s", k, res.Verdict, want, showHistory(h), res.Summary)
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 300 || invalid < 300 {
		t.Fatalf("%d valid and %d invalid histories: the sample does not exercise both", valid, invalid)
	}
	t.Logf("%d valid, %d invalid histories agreed", valid, invalid)
}

func showHistory(h history.History) string {
	s := ""
	for _, o := range h {
		s += fmt.Sprintf("  %d p%s %s %s %s\n", o.Index, o.Process, o.Type, o.F, o.Value)
	}
	return s
}
