package sequential

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// genRun simulates a run the way the register workload makes one: procs
// workers issue read, write and cas on nkeys keys (unique values per
// key), each op taking effect at its completion on a real register, so
// the history is linearizable, hence sequentially consistent. A cas that
// finds another value fails; one op in 50 times out (info, after taking
// effect or not), and its worker goes on under a fresh process id.
func genRun(rng *rand.Rand, nops, nkeys, procs int) history.History {
	type inflight struct {
		inv  history.Op
		from value // cas
	}
	state := make([]value, nkeys)
	next := make([]int64, nkeys)
	proc := make([]history.Process, procs)
	fly := make([]*inflight, procs)
	for i := range proc {
		proc[i] = history.Process(i)
	}
	fresh := history.Process(procs)
	h := make(history.History, 0, 2*nops)
	emit := func(o history.Op) {
		o.Index, o.Time = int64(len(h)), int64(len(h))*1000
		h = append(h, o)
	}
	for invoked := 0; invoked < nops || len(h) < 2*nops; {
		w := rng.Intn(procs)
		if fly[w] == nil {
			if invoked == nops {
				continue
			}
			k := rng.Intn(nkeys)
			inv := history.Op{Process: proc[w], Type: history.Invoke, Key: fmt.Sprintf("k%d", k)}
			f := &inflight{}
			switch r := rng.Intn(10); {
			case r < 5:
				inv.F = "read"
			case r < 8:
				next[k]++
				inv.F, inv.Value = "write", history.Raw(next[k])
			default:
				next[k]++
				f.from = state[k]
				if rng.Intn(4) == 0 && next[k] > 2 {
					f.from = value{set: true, n: next[k] - 2}
				}
				inv.F, inv.Value = "cas", json.RawMessage(fmt.Sprintf("[%s,%d]", f.from, next[k]))
			}
			f.inv = inv
			emit(inv)
			fly[w] = f
			invoked++
			continue
		}
		f := fly[w]
		fly[w] = nil
		var k int
		fmt.Sscanf(f.inv.Key, "k%d", &k)
		info := rng.Intn(50) == 0
		apply := !info || rng.Intn(2) == 0
		c := f.inv.Complete(history.OK, nil, "")
		switch f.inv.F {
		case "read":
			c.Value = json.RawMessage(state[k].String())
		case "write":
			if apply {
				v, _ := decodeValue(f.inv.Value)
				state[k] = v
			}
			c.Value = f.inv.Value
		case "cas":
			c.Value = f.inv.Value
			_, to, _ := decodeCAS(f.inv.Value)
			switch {
			case state[k] != f.from && !info:
				c.Type, c.Error = history.Fail, history.Refused+"cas mismatch"
			case state[k] == f.from && apply:
				state[k] = to
			}
		}
		if info {
			c.Type, c.Error = history.Info, "timeout"
			proc[w] = fresh
			fresh++
		}
		emit(c)
	}
	return h
}

// TestLargeRuns: simulated runs are sequentially consistent; a read of
// the initial value after the process's own write makes the key not.
func TestLargeRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for range 5 {
		h := genRun(rng, 20000, 50, 8)
		if err := h.Validate(); err != nil {
			t.Fatal(err)
		}
		res := Checker{}.Check(context.Background(), h)
		if res.Verdict != checker.Valid {
			t.Fatalf("%s: %s", res.Verdict, res.Summary)
		}
		// The first ok read of a key after its process's ok write of it
		// now returns null.
		wrote := map[string]bool{}
		mutated := false
		for _, p := range h.Pairs() {
			key := fmt.Sprint(p.Invoke.Process, "/", p.Invoke.Key)
			if p.Type() != history.OK {
				continue
			}
			if p.Invoke.F == "write" {
				wrote[key] = true
			}
			if p.Invoke.F == "read" && wrote[key] && string(p.Completion.Value) != "null" {
				h[p.Completion.Index].Value = json.RawMessage("null")
				res := Checker{}.Check(context.Background(), h)
				w, _ := res.Details["witness"].(*Witness)
				if res.Verdict != checker.Invalid || res.Anomalies[AnomalyNonSequentialKey] != 1 || w.Key != p.Invoke.Key || w.Kind != KindCycle {
					t.Fatalf("%s %v: %s", res.Verdict, res.Anomalies, res.Summary)
				}
				t.Logf("mutated: %s", res.Summary)
				mutated = true
				break
			}
		}
		if !mutated {
			t.Fatal("no read to mutate")
		}
	}
}
