package session

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// loadOpts shape genLoad's histories.
type loadOpts struct {
	ops, keys, procs int
	// stale is the share of reads that return an older value of the key
	// than it holds, to make violations.
	stale float64
}

// genLoad simulates procs clients of one linearizable register per key,
// each with one op in flight, each op taking effect when it completes:
// reads (half the ops), writes of fresh values and cas ops from the value
// the client last saw. One op in 200 ends info, having taken effect or
// not, and its client goes on under a new process id. With stale 0 the
// history is linearizable, so every model holds on every key.
func genLoad(rng *rand.Rand, o loadOpts) history.History {
	h := make(history.History, 0, 2*o.ops)
	add := func(op history.Op) {
		op.Index = int64(len(h))
		op.Time = int64(len(h)) * 1000
		h = append(h, op)
	}
	keys := make([]string, o.keys)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	reg := make([][]int64, o.keys) // each key's values, in order; nil (absent) first
	next := make([]int64, o.keys)
	type client struct {
		pid  history.Process
		inv  *history.Op
		key  int
		seen map[int]int64
	}
	cs := make([]client, o.procs)
	for i := range cs {
		cs[i] = client{pid: history.Process(i), seen: map[int]int64{}}
	}
	nextPid := history.Process(o.procs)
	issued := 0
	current := func(k int) any {
		if len(reg[k]) == 0 {
			return nil
		}
		return reg[k][len(reg[k])-1]
	}
	for issued < o.ops || len(h) < 2*issued {
		c := &cs[rng.IntN(len(cs))]
		if c.inv == nil {
			if issued == o.ops {
				continue
			}
			k := rng.IntN(o.keys)
			op := history.Op{Process: c.pid, Type: history.Invoke, Key: keys[k]}
			switch x := rng.IntN(10); {
			case x < 5:
				op.F = "read"
			case x < 8:
				op.F = "write"
				next[k]++
				op.Value = history.Raw(next[k])
			default:
				op.F = "cas"
				next[k]++
				var old any
				if v, ok := c.seen[k]; ok {
					old = v
				}
				op.Value = history.Raw([]any{old, next[k]})
			}
			add(op)
			c.inv, c.key = &h[len(h)-1], k
			issued++
			continue
		}
		inv, k := *c.inv, c.key
		c.inv = nil
		info := rng.IntN(200) == 0
		apply := !info || rng.IntN(2) == 0
		switch inv.F {
		case "read":
			if info {
				add(inv.Complete(history.Info, nil, "timeout"))
				break
			}
			v := current(k)
			if len(reg[k]) > 1 && rng.Float64() < o.stale {
				v = reg[k][rng.IntN(len(reg[k])-1)]
			}
			if v != nil {
				c.seen[k] = v.(int64)
			}
			add(inv.Complete(history.OK, history.Raw(v), ""))
		case "write":
			var v int64
			decodeInto(inv, &v)
			if apply {
				reg[k] = append(reg[k], v)
			}
			if info {
				add(inv.Complete(history.Info, nil, "timeout"))
			} else {
				c.seen[k] = v
				add(inv.Complete(history.OK, nil, ""))
			}
		case "cas":
			var pair [2]*int64
			decodeInto(inv, &pair)
			cur := current(k)
			match := (pair[0] == nil && cur == nil) || (pair[0] != nil && cur != nil && *pair[0] == cur.(int64))
			switch {
			case info:
				if match && apply {
					reg[k] = append(reg[k], *pair[1])
				}
				add(inv.Complete(history.Info, nil, "timeout"))
			case match:
				reg[k] = append(reg[k], *pair[1])
				c.seen[k] = *pair[1]
				add(inv.Complete(history.OK, nil, ""))
			default:
				add(inv.Complete(history.Fail, nil, history.Refused+"old value differs"))
			}
		}
		if info {
			c.pid, c.seen = nextPid, map[int]int64{}
			nextPid++
		}
	}
	return h
}

func decodeInto(o history.Op, v any) {
	if err := json.Unmarshal(o.Value, v); err != nil {
		panic(err)
	}
}

// TestLoadValid: a linearizable history is valid under every model, and
// stale reads in it are found.
func TestLoadValid(t *testing.T) {
	h := genLoad(rand.New(rand.NewPCG(1, 1)), loadOpts{ops: 20_000, keys: 100, procs: 10})
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	r := Checker{}.Check(context.Background(), h)
	if r.Verdict != checker.Valid {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	if r.Details["indeterminate_writes_seen"].(int) == 0 || r.Details["indeterminate_writes_dropped"].(int) == 0 {
		t.Errorf("the load should have indeterminate writes both seen and not: %v", r.Details)
	}
	h = genLoad(rand.New(rand.NewPCG(1, 1)), loadOpts{ops: 20_000, keys: 100, procs: 10, stale: 0.02})
	r = Checker{}.Check(context.Background(), h)
	if r.Verdict != checker.Invalid || r.Anomalies[Causal.Anomaly()] == 0 {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	t.Log(r.Summary)
}
