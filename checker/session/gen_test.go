package session

import (
	"math/rand/v2"

	"github.com/faultline/faultline/history"
)

// tinyOpts shape genTiny's histories.
type tinyOpts struct {
	procs, ops, keys int // at most
	pDup             float64
}

// genTiny makes a random tiny keyed register history: up to opts.procs
// workers issue up to opts.ops read, write and cas ops on up to opts.keys
// keys, interleaved (a worker has one op in flight), each ending ok, fail
// or info, or left open when the run ends. Written values are unique per
// key (counting every invoke) except, with probability pDup per write, a
// reused one. Reads return a random value of their key, written or not
// yet, by any op, or the initial nil, and now and then a value nobody
// wrote; a cas's old is chosen the same way: so both admissible and
// inadmissible histories come up under every model. After an info a
// worker usually takes a new process id, as the workloads do, and
// sometimes keeps its own, which a sound checker must survive.
func genTiny(rng *rand.Rand, o tinyOpts) history.History {
	var h history.History
	add := func(op history.Op) {
		op.Index = int64(len(h))
		op.Time = int64(len(h)) * 10
		h = append(h, op)
	}
	keyNames := []string{"x", "y", "z"}[:1]
	if o.keys > 1 && rng.IntN(3) == 0 {
		keyNames = []string{"x", "y", "z"}[:2+rng.IntN(o.keys-1)]
	}
	next := map[string]int64{}
	var vals = map[string][]int64{} // values invoked so far per key
	procs := 1 + rng.IntN(o.procs)
	pid := make([]history.Process, procs)
	for i := range pid {
		pid[i] = history.Process(i)
	}
	nextPid := history.Process(procs)
	inflight := make([]*history.Op, procs)
	n := o.ops - rng.IntN(min(3, o.ops))
	issued := 0
	// future: reads and cas ops choose their values once every value is
	// known, so that they may return values written later (thin air, or
	// a cycle of sessions each reading the other's later write).
	future := rng.IntN(2) == 0
	type patch struct {
		at   []int // the ops to rewrite: a read's ok, or a cas's invoke and completion
		key  string
		cas  bool
		newV int64
	}
	var patches []*patch
	casPatch := map[int64]*patch{} // by the cas invoke's index
	randVal := func(k string) genVal {
		switch x := rng.Float64(); {
		case x < 0.2 || len(vals[k]) == 0:
			return genVal{nil: true}
		case x < 0.25:
			return genVal{v: 90 + rng.Int64N(3)} // never written
		default:
			return genVal{v: vals[k][rng.IntN(len(vals[k]))]}
		}
	}
	for {
		var idle, busy []int
		for w := range procs {
			if inflight[w] != nil {
				busy = append(busy, w)
			} else if issued < n {
				idle = append(idle, w)
			}
		}
		if len(idle) == 0 && len(busy) == 0 {
			break
		}
		if len(busy) == 0 || (len(idle) > 0 && rng.IntN(2) == 0) {
			w := idle[rng.IntN(len(idle))]
			k := keyNames[rng.IntN(len(keyNames))]
			op := history.Op{Process: pid[w], Type: history.Invoke, Key: k}
			newVal := func() int64 {
				if len(vals[k]) > 0 && rng.Float64() < o.pDup {
					return vals[k][rng.IntN(len(vals[k]))]
				}
				next[k]++
				return next[k]
			}
			switch x := rng.IntN(20); {
			case x < 9:
				op.F = "read"
			case x < 16:
				op.F = "write"
				v := newVal()
				op.Value = history.Raw(v)
				vals[k] = append(vals[k], v)
			default:
				op.F = "cas"
				old := randVal(k)
				v := newVal()
				op.Value = history.Raw([]any{old.raw(), v})
				vals[k] = append(vals[k], v)
				if future {
					pt := &patch{at: []int{len(h)}, key: k, cas: true, newV: v}
					patches = append(patches, pt)
					casPatch[int64(len(h))] = pt
				}
			}
			add(op)
			c := op
			inflight[w] = &c
			issued++
			continue
		}
		w := busy[rng.IntN(len(busy))]
		inv := *inflight[w]
		inflight[w] = nil
		if issued == n && rng.IntN(4) == 0 {
			continue // the run ends with it open
		}
		switch x := rng.IntN(20); {
		case x < 13:
			var v any
			if inv.F == "read" {
				v = randVal(inv.Key).raw()
				if future {
					patches = append(patches, &patch{at: []int{len(h)}, key: inv.Key})
				}
			}
			if pt := casPatch[inv.Index]; pt != nil {
				pt.at = append(pt.at, len(h))
			}
			add(inv.Complete(history.OK, history.Raw(v), ""))
		case x < 16:
			if pt := casPatch[inv.Index]; pt != nil {
				pt.at = append(pt.at, len(h))
			}
			add(inv.Complete(history.Fail, nil, "refused: no"))
		default:
			if pt := casPatch[inv.Index]; pt != nil {
				pt.at = append(pt.at, len(h))
			}
			add(inv.Complete(history.Info, nil, "timeout"))
			if rng.IntN(4) != 0 {
				pid[w] = nextPid
				nextPid++
			}
		}
	}
	for _, pt := range patches {
		v := randVal(pt.key)
		for _, i := range pt.at {
			if pt.cas {
				if h[i].Type == history.Invoke {
					h[i].Value = history.Raw([]any{v.raw(), pt.newV})
				}
			} else {
				h[i].Value = history.Raw(v.raw())
			}
		}
	}
	return h
}

// genVal is a generated value: an int, or nil.
type genVal struct {
	nil bool
	v   int64
}

func (j genVal) raw() any {
	if j.nil {
		return nil
	}
	return j.v
}
