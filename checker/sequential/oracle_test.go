package sequential

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// The oracle: sequential consistency checked literally, by trying every
// interleaving of the processes' ops that keeps each process's program
// order, and every choice of which info writes and cas happened, against
// the register. It shares no code with the checker: it pairs invokes with
// completions and decodes values itself.

// oval is a register value for the oracle; set false is the initial null.
type oval struct {
	set bool
	n   int64
}

// oop is one op as the oracle sees it.
type oop struct {
	index int64
	key   string
	f     string // read, write, cas
	typ   history.Type
	val   oval // read: result; write: argument; cas: new
	old   oval // cas: old
}

func odecode(raw json.RawMessage) (oval, error) {
	var p *int64
	if len(raw) == 0 {
		return oval{}, nil
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return oval{}, err
	}
	if p == nil {
		return oval{}, nil
	}
	return oval{set: true, n: *p}, nil
}

// oracleOps pairs the client ops of h and returns, for each process in
// order of first appearance, its ops in program order, fails and info
// reads left out (they did not happen, or constrain nothing), and
// whether some key repeats a value written by an op that may have
// happened.
func oracleOps(t testing.TB, h history.History) (procs [][]oop, dupKeys map[string]bool) {
	var all [][]*oop
	procIdx := map[history.Process]int{}
	pending := map[history.Process]*oop{}
	for _, e := range h {
		if e.Process == history.Nemesis || (e.F != "read" && e.F != "write" && e.F != "cas") {
			continue
		}
		if e.Type == history.Invoke {
			pi, ok := procIdx[e.Process]
			if !ok {
				pi = len(all)
				procIdx[e.Process] = pi
				all = append(all, nil)
			}
			o := &oop{index: e.Index, key: e.Key, f: e.F, typ: history.Info}
			switch e.F {
			case "write":
				v, err := odecode(e.Value)
				if err != nil {
					t.Fatal(err)
				}
				o.val = v
			case "cas":
				var pair []json.RawMessage
				if err := json.Unmarshal(e.Value, &pair); err != nil || len(pair) != 2 {
					t.Fatalf("cas %s", e.Value)
				}
				a, err1 := odecode(pair[0])
				b, err2 := odecode(pair[1])
				if err1 != nil || err2 != nil {
					t.Fatalf("cas %s", e.Value)
				}
				o.old, o.val = a, b
			}
			all[pi] = append(all[pi], o)
			pending[e.Process] = o
			continue
		}
		o := pending[e.Process]
		delete(pending, e.Process)
		o.typ = e.Type
		if e.F == "read" && e.Type == history.OK {
			v, err := odecode(e.Value)
			if err != nil {
				t.Fatal(err)
			}
			o.val = v
		}
	}
	written := map[string]map[oval]bool{}
	dupKeys = map[string]bool{}
	for _, ops := range all {
		var keep []oop
		for _, o := range ops {
			if o.typ == history.Fail || (o.f == "read" && o.typ != history.OK) {
				continue
			}
			if o.f != "read" {
				if written[o.key] == nil {
					written[o.key] = map[oval]bool{}
				}
				if written[o.key][o.val] {
					dupKeys[o.key] = true
				}
				written[o.key][o.val] = true
			}
			keep = append(keep, *o)
		}
		procs = append(procs, keep)
	}
	return procs, dupKeys
}

// onlyKey restricts procs to the ops of one key.
func onlyKey(procs [][]oop, key string) [][]oop {
	out := make([][]oop, len(procs))
	for i, ops := range procs {
		for _, o := range ops {
			if o.key == key {
				out[i] = append(out[i], o)
			}
		}
	}
	return out
}

// oracleSC reports whether some interleaving of procs and some choice of
// which info ops happened is legal for registers that start null (one
// register per key), the interleaving keeping program order: each
// process's ok ops in order, and each info op after the ok ops its
// process did before it (its process did not wait for it, so nothing
// need come after it).
func oracleSC(procs [][]oop) bool {
	type infoOp struct {
		p, after int // after the first `after` ok ops of process p
		op       oop
	}
	chains := make([][]oop, len(procs))
	var infos []infoOp
	var keys []string
	for p, ops := range procs {
		for _, o := range ops {
			if !slices.Contains(keys, o.key) {
				keys = append(keys, o.key)
			}
			if o.typ == history.OK {
				chains[p] = append(chains[p], o)
			} else {
				infos = append(infos, infoOp{p: p, after: len(chains[p]), op: o})
			}
		}
	}
	slices.Sort(keys)
	pos := make([]int, len(procs))
	var taken uint64 // infos decided (happened or not)
	state := map[string]oval{}
	dead := map[string]bool{} // states from which no legal completion exists
	var search func() bool
	search = func() bool {
		memo := fmt.Sprint(pos, taken)
		for _, k := range keys {
			memo += fmt.Sprint(" ", state[k])
		}
		if dead[memo] {
			return false
		}
		try := func(o oop) bool {
			cur := state[o.key]
			ok, next := ostep(o, cur)
			if !ok {
				return false
			}
			state[o.key] = next
			found := search()
			state[o.key] = cur
			return found
		}
		complete := true
		for p, ops := range chains {
			if pos[p] == len(ops) {
				continue
			}
			complete = false
			pos[p]++
			found := try(ops[pos[p]-1])
			pos[p]--
			if found {
				return true
			}
		}
		for j, u := range infos {
			if taken&(1<<j) != 0 || pos[u.p] < u.after {
				continue
			}
			complete = false
			taken |= 1 << j
			found := search() || try(u.op) // it did not happen, or it did
			taken &^= 1 << j
			if found {
				return true
			}
		}
		if complete {
			return true
		}
		dead[memo] = true
		return false
	}
	return search()
}

// ostep is the register: whether op o can happen in state cur, and the
// state after it. An info cas that happens swaps if it finds old and
// otherwise changes nothing (checker.CASRegister's reading).
func ostep(o oop, cur oval) (bool, oval) {
	switch o.f {
	case "read":
		return o.val == cur, cur
	case "write":
		return true, o.val
	}
	if cur == o.old {
		return true, o.val
	}
	return o.typ != history.OK, cur
}

// genHistory draws a tiny history: 1 to 3 processes, 1 to 7 ops, 1 or 2
// keys, with fails, infos and never-completed ops. Half are executed on
// a real register in a random order (so sequentially consistent unless
// mutated afterwards, which half of those are), half have random
// results. Each write repeats an earlier value 3 times in 100; the
// others are unique. Invokes and completions are interleaved at random, so real time
// says nothing about the order the ops took effect in.
func genHistory(rng *rand.Rand) history.History { return genSized(rng, 3, 7) }

// genSized is genHistory with up to maxProcs processes and maxOps ops.
func genSized(rng *rand.Rand, maxProcs, maxOps int) history.History {
	nproc, nops, nkeys := 1+rng.Intn(maxProcs), 1+rng.Intn(maxOps), 1+rng.Intn(2)
	keys := []string{"x", "y"}[:nkeys]
	type gop struct {
		proc     int
		key, f   string
		typ      history.Type
		open     bool
		arg, res any
	}
	ops := make([]gop, nops)
	fresh := int64(0)
	written := map[string][]int64{}
	state := map[string]*int64{}
	simulate := rng.Intn(2) == 0
	pick := func(key string) any { // a value for a read or a cas to find
		ws := written[key]
		switch r := rng.Intn(40); {
		case r == 0:
			return int64(90 + rng.Intn(3)) // never written
		case r < 6:
			return fresh + 1 + rng.Int63n(3) // perhaps written later
		case r < 12 || len(ws) == 0:
			return nil
		default:
			return ws[rng.Intn(len(ws))]
		}
	}
	for i := range ops {
		o := gop{proc: rng.Intn(nproc), key: keys[rng.Intn(nkeys)]}
		switch r := rng.Intn(100); {
		case r < 45:
			o.f = "read"
		case r < 75:
			o.f = "write"
		default:
			o.f = "cas"
		}
		switch r := rng.Intn(100); {
		case r < 70:
			o.typ = history.OK
		case r < 80:
			o.typ = history.Fail
		default:
			o.typ = history.Info
		}
		var v int64
		if o.f != "read" {
			fresh++
			v = fresh
			if rng.Intn(100) < 3 && fresh > 1 {
				v = 1 + rng.Int63n(fresh-1) // a repeat
			}
		}
		cur := state[o.key]
		switch o.f {
		case "read":
			if simulate {
				if cur != nil {
					o.res = *cur
				}
			} else {
				o.res = pick(o.key)
			}
		case "write":
			o.arg = v
			if simulate && (o.typ == history.OK || o.typ == history.Info && rng.Intn(2) == 0) {
				state[o.key] = &v
			}
		case "cas":
			var from any
			if simulate && rng.Intn(10) < 6 {
				if cur != nil {
					from = *cur
				}
			} else {
				from = pick(o.key)
			}
			o.arg = []any{from, v}
			if simulate {
				match := (cur == nil && from == nil) || (cur != nil && from != nil && *cur == from.(int64))
				switch {
				case !match && o.typ == history.OK:
					o.typ = history.Fail // the harness records a mismatched cas as a fail
				case match && (o.typ == history.OK || o.typ == history.Info && rng.Intn(2) == 0):
					state[o.key] = &v
				}
			}
		}
		if o.f != "read" {
			written[o.key] = append(written[o.key], v)
		}
		ops[i] = o
	}
	if simulate && rng.Intn(2) == 0 { // mutate one op
		i := rng.Intn(nops)
		switch {
		case ops[i].f == "read" && ops[i].typ == history.OK:
			ops[i].res = pick(ops[i].key)
		case rng.Intn(2) == 0:
			ops[i].typ = []history.Type{history.OK, history.Fail, history.Info}[rng.Intn(3)]
		default:
			ops[i].proc = rng.Intn(nproc)
		}
	}
	// Program order is the order of ops within a process; an info op
	// that is a process's last is left open half the time.
	byProc := make([][]int, nproc)
	for i, o := range ops {
		byProc[o.proc] = append(byProc[o.proc], i)
	}
	for _, is := range byProc {
		if n := len(is); n > 0 && ops[is[n-1]].typ == history.Info && rng.Intn(2) == 0 {
			ops[is[n-1]].open = true
		}
	}
	var h history.History
	next := make([]int, nproc)
	inFlight := make([]bool, nproc)
	for {
		var ready []int
		for p := range nproc {
			if next[p] < len(byProc[p]) {
				ready = append(ready, p)
			}
		}
		if len(ready) == 0 {
			break
		}
		p := ready[rng.Intn(len(ready))]
		o := ops[byProc[p][next[p]]]
		e := history.Op{Index: int64(len(h)), Time: int64(len(h)) * 10, Process: history.Process(p), F: o.f, Key: o.key}
		if !inFlight[p] {
			e.Type, e.Value = history.Invoke, history.Raw(o.arg)
			h = append(h, e)
			inFlight[p] = true
			if o.open {
				next[p]++ // never completes: the process's last op
			}
			continue
		}
		e.Type = o.typ
		switch {
		case o.f == "read" && o.typ == history.OK:
			e.Value = history.Raw(o.res)
			if o.res == nil {
				e.Value = json.RawMessage("null")
			}
		case o.f != "read":
			e.Value = history.Raw(o.arg)
		}
		h = append(h, e)
		inFlight[p] = false
		next[p]++
	}
	return h
}

// keyVerdicts runs the checker's per-key check on h.
func keyVerdicts(h history.History) map[string]keyResult {
	out := map[string]keyResult{}
	for _, kh := range readKeys(h) {
		out[kh.key] = checkKey(context.Background(), kh)
	}
	return out
}

func dump(h history.History) string {
	var b strings.Builder
	for _, e := range h {
		fmt.Fprintf(&b, "  %d %s %s %s %s\n", e.Process, e.Type, e.F, e.Key, e.Value)
	}
	return b.String()
}

// TestOracleAgreement checks the checker against the oracle on random
// tiny histories (up to 3 processes and 7 ops), key by key, in both
// directions, and the Result the keys add up to.
func TestOracleAgreement(t *testing.T) {
	n := 50000
	if testing.Short() {
		n = 5000
	}
	agreement(t, 1979, n, 3, 7)
}

// TestOracleAgreementLarger is TestOracleAgreement on histories of up
// to 4 processes and 11 ops.
func TestOracleAgreementLarger(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	agreement(t, 1990, n, 4, 11)
}

// agreement checks the checker against the oracle on n random histories
// of up to maxProcs processes and maxOps ops, drawn from seed.
func agreement(t *testing.T, seed int64, n, maxProcs, maxOps int) {
	rng := rand.New(rand.NewSource(seed))
	var keys, sc, nonSC, unknown, unknownDup, histories int
	kinds := map[WitnessKind]int{}
	var forced, dropped, glued int
	for i := range n {
		h := genSized(rng, maxProcs, maxOps)
		histories++
		procs, dup := oracleOps(t, h)
		got := keyVerdicts(h)
		want := checker.Valid
		anyUnknown := false
		for _, key := range h.Keys() {
			r := got[key]
			keys++
			truth := oracleSC(onlyKey(procs, key))
			forced += r.forced
			dropped += r.dropped
			switch {
			case r.verdict == checker.Unknown:
				unknown++
				anyUnknown = true
				if !dup[key] {
					t.Fatalf("history %d key %q: unknown (%s) without a repeated value:\n%s", i, key, r.reason, dump(h))
				}
				unknownDup++
				continue
			case dup[key]:
				t.Fatalf("history %d key %q: %s with a repeated value:\n%s", i, key, r.verdict, dump(h))
			case truth && r.verdict != checker.Valid:
				t.Fatalf("history %d key %q: false %s (%s):\n%s", i, key, r.verdict, r.witness.Explanation, dump(h))
			case !truth && r.verdict != checker.Invalid:
				t.Fatalf("history %d key %q: false valid, the oracle finds no order:\n%s", i, key, dump(h))
			}
			if truth {
				sc++
			} else {
				nonSC++
				want = checker.Invalid
				kinds[r.witness.Kind]++
				if slices.ContainsFunc(r.witness.Cycle, func(l Link) bool { return l.By == ByCAS }) {
					glued++
				}
				checkWitness(t, h, key, r.witness)
			}
		}
		if want == checker.Valid && anyUnknown {
			want = checker.Unknown
		}
		if res := (Checker{}).Check(context.Background(), h); res.Verdict != want {
			t.Fatalf("history %d: Check says %s, the keys say %s (%s):\n%s", i, res.Verdict, want, res.Summary, dump(h))
		}
	}
	t.Logf("%d histories, %d keys: %d sequentially consistent and %d not, per the oracle; the checker agrees on all %d it decided; unknown on %d (%.2f%%), each with a repeated value (%d)",
		histories, keys, sc, nonSC, sc+nonSC, unknown, 100*float64(unknown)/float64(keys), unknownDup)
	t.Logf("witness kinds: %v (cycles through cas chains: %d); info ops forced %d, dropped %d", kinds, glued, forced, dropped)
	if sc < n/10 || nonSC < n/10 {
		t.Fatalf("the generator is lopsided: %d sequentially consistent keys, %d not", sc, nonSC)
	}
	for _, k := range []WitnessKind{KindUnwritten, KindCASFork, KindCASLoop, KindReadBeforeWrite, KindCycle} {
		if kinds[k] == 0 {
			t.Errorf("no witness of kind %s drawn", k)
		}
	}
}

// checkWitness checks that a witness is about key, names ops of the
// history, and that its cycle closes.
func checkWitness(t *testing.T, h history.History, key string, w *Witness) {
	t.Helper()
	if w == nil || w.Key != key || w.Explanation == "" || len(w.Ops) == 0 {
		t.Fatalf("witness %+v for key %q", w, key)
	}
	for _, i := range w.Ops {
		if i < 0 || i >= int64(len(h)) || h[i].Key != key {
			t.Fatalf("witness names op %d, not an op of %q:\n%s", i, key, dump(h))
		}
	}
	if w.Kind != KindCycle {
		return
	}
	for i, l := range w.Cycle {
		if next := w.Cycle[(i+1)%len(w.Cycle)]; l.To != next.From {
			t.Fatalf("cycle does not close at link %d: %+v", i, w.Cycle)
		}
	}
	if !slices.ContainsFunc(w.Cycle, func(l Link) bool { return l.By == ByProgramOrder }) {
		t.Fatalf("a cycle without program order: %+v", w.Cycle)
	}
}

// TestOracleWeakerThanLinearizable: the random histories exercise what
// sets sequential consistency apart: many are sequentially consistent
// and not linearizable, and none is linearizable and not sequentially
// consistent.
func TestOracleWeakerThanLinearizable(t *testing.T) {
	rng := rand.New(rand.NewSource(1990))
	lin := checker.Linearizable{Model: checker.CASRegister(), MinOK: -1}
	var n, scOnly int
	for range 3000 {
		h := genHistory(rng)
		res := Checker{}.Check(context.Background(), h)
		l := lin.Check(context.Background(), h)
		if res.Verdict == checker.Unknown || l.Verdict == checker.Unknown {
			continue
		}
		n++
		switch {
		case l.Verdict == checker.Valid && res.Verdict != checker.Valid:
			t.Fatalf("linearizable but %s: %s\n%s", res.Verdict, res.Summary, dump(h))
		case l.Verdict == checker.Invalid && res.Verdict == checker.Valid:
			scOnly++
		}
	}
	t.Logf("%d of %d histories sequentially consistent (per key) and not linearizable", scOnly, n)
	if scOnly < n/20 {
		t.Fatalf("only %d of %d histories tell the two apart", scOnly, n)
	}
}
