package checker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// The FIFO pattern check is held to two independent deciders on random
// small concurrent histories: porcupine's search with the FIFOQueue model
// (which reads no dequeue-outcome records), and a brute-force oracle from
// the definition (below) that reads them too.

// genOp is one op of a generated history.
type genOp struct {
	proc      int
	pid       history.Process // the history's process: a worker takes a new one after an info
	enq       bool
	v         int64 // enqueue: the value; dequeue that took effect: what it removed
	empty     bool  // dequeue that took effect on an empty queue
	typ       history.Type
	open      bool    // never completed (typ info)
	applied   bool    // took effect (always for ok, never for fail)
	at        float64 // where it took effect
	call, ret int     // event positions; ret < 0 when it never completed
	// callT and retT are the times the history gives the call and return.
	callT, retT int64
	// outcome: an indeterminate dequeue whose outcome the history records
	// after every other op (outcomeAt is that record's completion position).
	outcome   bool
	outcomeAt int
}

type genOpts struct {
	procs, ops int
	deqWeight  int     // out of 10: the share of dequeues
	pInfo      float64 // an op ends info
	pFail      float64 // an op ends fail
	pOpen      float64 // the run stops with ops in flight
	pOutcome   float64 // an indeterminate dequeue's outcome is recorded
	perturb    bool    // corrupt one output
	ties       bool    // equal timestamps now and then
}

// genQueueHistory simulates a real queue: processes issue ops one at a time
// in a random interleaving, each op takes effect at a random point between
// its call and its return (an info op at a random point after its call,
// or never; a fail op never), and every dequeue's output is what the queue
// gave it in that order. Then, if asked, one output is corrupted, so that
// the history is usually (not always) invalid.
func genQueueHistory(rng *rand.Rand, o genOpts) ([]genOp, history.History) {
	var ops []genOp
	busy := make([]int, o.procs) // the op in flight per process, -1 none
	pid := make([]history.Process, o.procs)
	for i := range busy {
		busy[i], pid[i] = -1, history.Process(i)
	}
	pos, issued := 0, 0
	stop := o.pOpen > 0 && rng.Float64() < o.pOpen
	for {
		var cand []int
		for p := range o.procs {
			if busy[p] >= 0 || issued < o.ops {
				cand = append(cand, p)
			}
		}
		if len(cand) == 0 || (stop && issued == o.ops && rng.IntN(3) == 0) {
			break
		}
		p := cand[rng.IntN(len(cand))]
		if i := busy[p]; i >= 0 {
			ops[i].ret = pos
			busy[p] = -1
			if ops[i].typ == history.Info {
				pid[p] += history.Process(o.procs)
			}
		} else {
			op := genOp{proc: p, pid: pid[p], enq: rng.IntN(10) >= o.deqWeight, call: pos, ret: -1}
			switch r := rng.Float64(); {
			case r < o.pInfo:
				op.typ = history.Info
			case r < o.pInfo+o.pFail:
				op.typ = history.Fail
			default:
				op.typ = history.OK
			}
			busy[p] = len(ops)
			ops = append(ops, op)
			issued++
		}
		pos++
	}
	end := pos
	for i := range ops {
		op := &ops[i]
		if op.ret < 0 {
			op.typ, op.open = history.Info, true
		}
		switch {
		case op.typ == history.OK:
			op.applied, op.at = true, float64(op.call)+rng.Float64()*float64(op.ret-op.call)
		case op.typ == history.Info && rng.IntN(2) == 0:
			op.applied, op.at = true, float64(op.call)+rng.Float64()*float64(end-op.call)
		}
	}
	order := make([]int, 0, len(ops))
	for i := range ops {
		if ops[i].applied {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if ops[a].at < ops[b].at {
			return -1
		}
		return 1
	})
	var next int64 = 1
	for i := range ops {
		if ops[i].enq {
			ops[i].v = next
			next++
		}
	}
	var q []int64
	for _, i := range order {
		op := &ops[i]
		if op.enq {
			q = append(q, op.v)
			continue
		}
		if len(q) == 0 {
			op.empty = true
			continue
		}
		op.v, q = q[0], q[1:]
	}
	// Outcomes of indeterminate dequeues, recorded after everything.
	for i := range ops {
		if op := &ops[i]; !op.enq && op.typ == history.Info && rng.Float64() < o.pOutcome {
			op.outcome = true
		}
	}
	if o.perturb {
		var deqs []int
		for i := range ops {
			if !ops[i].enq && (ops[i].typ == history.OK || ops[i].outcome && ops[i].applied) {
				deqs = append(deqs, i)
			}
		}
		if len(deqs) > 0 {
			a := &ops[deqs[rng.IntN(len(deqs))]]
			switch rng.IntN(4) {
			case 0: // swap with another
				b := &ops[deqs[rng.IntN(len(deqs))]]
				a.v, a.empty, b.v, b.empty = b.v, b.empty, a.v, a.empty
			case 1:
				a.empty = !a.empty
				if !a.empty {
					a.v = 1 + rng.Int64N(next)
				}
			default:
				a.empty, a.v = false, 1+rng.Int64N(next)
			}
		}
	}
	// The history, one event per position; outcomes after.
	h := make(history.History, 0, 2*len(ops))
	at := make([]int, end) // position -> op (call or return)
	for i, op := range ops {
		at[op.call] = i
		if op.ret >= 0 {
			at[op.ret] = i
		}
	}
	var t int64
	for p := range end {
		i := at[p]
		op := ops[i]
		if !o.ties || rng.IntN(4) != 0 {
			t += 10
		}
		e := history.Op{Index: int64(len(h)), Time: t, Process: op.pid, F: "dequeue"}
		if op.enq {
			e.F, e.Value = "enqueue", history.Raw(op.v)
		}
		if p == op.call {
			ops[i].callT = t
			e.Type = history.Invoke
			if !op.enq {
				e.Value = history.Raw(map[string]string{"id": fmt.Sprintf("d-%d", i)})
			}
		} else {
			ops[i].retT = t
			e.Type = op.typ
			if !op.enq {
				e.Value = nil
				if op.typ == history.OK {
					e.Value = []byte("null")
					if !op.empty {
						e.Value = []byte(strconv.FormatInt(op.v, 10))
					}
				}
			}
		}
		h = append(h, e)
	}
	for i := range ops {
		op := &ops[i]
		if !op.outcome {
			continue
		}
		id := fmt.Sprintf("d-%d", i)
		t += 10
		h = append(h, history.Op{Index: int64(len(h)), Time: t, Process: 1 << 30, Type: history.Invoke, F: outcomeF, Value: history.Raw(map[string]string{"id": id})})
		out := map[string]any{"id": id, "applied": op.applied, "value": nil, "empty": false}
		if op.applied && op.empty {
			out["empty"] = true
		} else if op.applied {
			out["value"] = op.v
		}
		t += 10
		op.outcomeAt = int(t)
		h = append(h, history.Op{Index: int64(len(h)), Time: t, Process: 1 << 30, Type: history.OK, F: outcomeF, Value: history.Raw(out)})
	}
	return ops, h
}

// fifoOracle decides a generated history from the definition, by brute
// force over the orders of its ops: every ok op and every resolved applied
// dequeue takes effect once, with its output; a fail and a resolved
// not-applied dequeue never; an unresolved indeterminate op at most once,
// an unresolved dequeue removing the head if there is one. The order
// respects real time: op a precedes op b when a returned before b was
// called (times; equal times overlap).
func fifoOracle(ops []genOp) bool {
	type oop struct {
		enq       bool
		v         int64
		empty     bool
		must, any bool // must take effect / output unconstrained
		call, ret int64
	}
	var os []oop
	for _, op := range ops {
		o := oop{enq: op.enq, v: op.v, empty: op.empty, call: op.callT, ret: op.retT}
		switch {
		case op.typ == history.Fail:
			continue
		case op.typ == history.OK:
			o.must = true
		case op.outcome && !op.applied:
			continue
		case op.outcome:
			o.must, o.ret = true, int64(op.outcomeAt)
		default:
			o.any = !op.enq
			o.ret = 1 << 62
		}
		os = append(os, o)
	}
	var must uint32
	for i, o := range os {
		if o.must {
			must |= 1 << i
		}
	}
	seen := map[string]bool{}
	var dfs func(done uint32, q []int64) bool
	dfs = func(done uint32, q []int64) bool {
		if done&must == must {
			return true
		}
		key := fmt.Sprint(done, q)
		if seen[key] {
			return false
		}
		seen[key] = true
		for i, o := range os {
			if done&(1<<i) != 0 {
				continue
			}
			ready := true
			for j, p := range os {
				if j != i && p.must && done&(1<<j) == 0 && p.ret < o.call {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			next := q
			switch {
			case o.enq:
				next = append(slices.Clone(q), o.v)
			case o.any:
				if len(q) > 0 {
					next = q[1:]
				}
			case o.empty:
				if len(q) != 0 {
					continue
				}
			default:
				if len(q) == 0 || q[0] != o.v {
					continue
				}
				next = q[1:]
			}
			if dfs(done|1<<i, next) {
				return true
			}
		}
		return false
	}
	return dfs(0, nil)
}

// porcupineFIFO is porcupine's verdict with the FIFOQueue model.
func porcupineFIFO(t testing.TB, h history.History) Verdict {
	m := FIFOQueue()
	prep, err := m.prepare(h)
	if err != nil {
		t.Fatal(err)
	}
	return Linearizable{Model: m, Timeout: 10 * time.Second}.check(context.Background(), prep).Verdict
}

func showGen(h history.History) string {
	s := ""
	for _, o := range h {
		s += fmt.Sprintf("  %d t=%d p%s %s %s %s\n", o.Index, o.Time, o.Process, o.Type, o.F, o.Value)
	}
	return s
}

// TestFIFOAgreesWithPorcupineAndOracle: on thousands of random small
// concurrent histories, valid and invalid, FIFO's verdict is the oracle's
// on every one, and porcupine's on every one without outcome records
// (porcupine reads an indeterminate dequeue as unconstrained even when its
// outcome is known) where porcupine decides.
func TestFIFOAgreesWithPorcupineAndOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	configs := []genOpts{
		{procs: 3, ops: 6, deqWeight: 5, perturb: true},
		{procs: 3, ops: 7, deqWeight: 6, pInfo: 0.2, pFail: 0.1, perturb: true},
		{procs: 4, ops: 8, deqWeight: 6, pInfo: 0.25, pFail: 0.05, pOpen: 0.3, perturb: true, ties: true},
		{procs: 4, ops: 9, deqWeight: 7, pInfo: 0.3, perturb: true},
		{procs: 2, ops: 8, deqWeight: 5, pInfo: 0.3, pOutcome: 0.6, perturb: true},
		{procs: 5, ops: 10, deqWeight: 5, pInfo: 0.15, pFail: 0.1, pOutcome: 0.5, perturb: true, ties: true},
		{procs: 3, ops: 8, deqWeight: 6, pInfo: 0.35, pOpen: 0.5, perturb: true},
	}
	n := 12000
	if testing.Short() {
		n = 6000
	}
	var valid, invalid, vsPorcupine int
	for k := range n {
		o := configs[k%len(configs)]
		o.perturb = rng.IntN(2) == 0
		ops, h := genQueueHistory(rng, o)
		want := fifoOracle(ops)
		res := FIFO{}.Check(context.Background(), h)
		if res.Verdict == Unknown && res.Details["ops"].(map[string]int)["ok"] == 0 {
			continue // nothing ok: too little activity
		}
		if res.Verdict == Unknown || (res.Verdict == Valid) != want {
			t.Fatalf("history %d: FIFO %s, oracle valid=%v\n%s\nsummary: %s", k, res.Verdict, want, showGen(h), res.Summary)
		}
		if o.pOutcome == 0 {
			if pv := porcupineFIFO(t, h); pv != Unknown {
				vsPorcupine++
				if pv != res.Verdict {
					t.Fatalf("history %d: FIFO %s, porcupine %s\n%s\nsummary: %s", k, res.Verdict, pv, showGen(h), res.Summary)
				}
			}
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	if valid < n/5 || invalid < n/5 {
		t.Fatalf("%d valid and %d invalid histories: the sample does not exercise both", valid, invalid)
	}
	t.Logf("%d valid, %d invalid histories agreed with the oracle, %d of them with porcupine", valid, invalid, vsPorcupine)
}
