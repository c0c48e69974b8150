package checker

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/history"
)

// A naive oracle: brute-force linearizability of small register histories,
// written from the definition, independent of porcupine and of the
// end-of-time encoding of indeterminate ops. An ok op must appear in the
// order, a fail op must not, an info or open op may or may not (once); the
// order must respect real time (a before b when a returned before b was
// invoked) and the register's sequential semantics.

type oracleOp struct {
	f         string // read, write, cas
	a, b      regVal
	readV     regVal
	typ       history.Type // OK, Fail, Info (open counts as info)
	call, ret int64        // ret is -1 when not ok
}

func oracleLinearizable(ops []oracleOp) bool {

	var must uint32
	for i, o := range ops {
		if o.typ == history.OK {
			must |= 1 << i
		}
	}
	type memoKey struct {
		done uint32
		s    regVal
	}
	seen := map[memoKey]bool{}
	var dfs func(done uint32, s regVal) bool
	dfs = func(done uint32, s regVal) bool {
		if done&must == must {
			return true
		}
		k := memoKey{done, s}
		if seen[k] {
			return false
		}
		seen[k] = true
		for i, o := range ops {
			if done&(1<<i) != 0 || o.typ == history.Fail {
				continue
			}
			// every ok op that returned before o was invoked goes first
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
			next, ok := s, true
			switch o.f {
			case "read":
				ok = o.typ != history.OK || o.readV == s
			case "write":
				next = o.a
			case "cas":
				ok = s == o.a // an info cas that ran and failed is the same as one that never ran
				next = o.b
			}
			if ok && dfs(done|1<<i, next) {
				return true
			}
		}
		return false
	}
	return dfs(0, regVal{})
}

func randVal(r *rand.Rand, allowNil bool) regVal {
	if allowNil && r.IntN(4) == 0 {
		return regVal{}
	}
	return regVal{Set: true, V: int64(r.IntN(3))}
}

func jsonVal(v regVal) any {
	if !v.Set {
		return nil
	}
	return v.V
}

// randomHistory simulates 3 workers on a virtual clock.
func randomHistory(r *rand.Rand) (history.History, []oracleOp) {
	var (
		h       history.History
		ops     []oracleOp
		clock   int64
		procs   = []history.Process{0, 1, 2}
		nextPID = history.Process(3)
		open    = map[history.Process]int{} // process -> index in ops
		invokes = map[history.Process]history.Op{}
	)
	emit := func(o history.Op) {
		o.Index = int64(len(h))
		o.Time = clock
		clock++
		h = append(h, o)
	}
	total := 4 + r.IntN(6)
	for started := 0; started < total || len(open) > 0; {
		slot := r.IntN(len(procs))
		p := procs[slot]
		if i, busy := open[p]; busy {
			if started >= total && r.IntN(8) == 0 {
				// leave it open: the run ends
				delete(open, p)
				continue
			}
			o := &ops[i]
			inv := invokes[p]
			roll := r.IntN(10)
			switch {
			case roll < 6:
				o.typ = history.OK
			case roll < 8:
				o.typ = history.Fail
			default:
				o.typ = history.Info
			}
			if o.f == "read" && o.typ == history.OK {
				o.readV = randVal(r, true)
				emit(inv.Complete(history.OK, history.Raw(jsonVal(o.readV)), ""))
			} else {
				emit(inv.Complete(o.typ, inv.Value, ""))
			}
			o.ret = -1
			if o.typ == history.OK {
				o.ret = clock - 1
			}
			delete(open, p)
			if o.typ == history.Info {
				procs[slot] = nextPID
				nextPID++
			}
			continue
		}
		if started >= total {
			continue
		}
		started++
		o := oracleOp{typ: history.Info, call: clock, ret: -1}
		inv := history.Op{Process: p, Type: history.Invoke, Key: "r"}
		switch r.IntN(3) {
		case 0:
			o.f = "read"
		case 1:
			o.f, o.a = "write", randVal(r, false)
			inv.Value = history.Raw(o.a.V)
		default:
			o.f, o.a, o.b = "cas", randVal(r, false), randVal(r, false)
			inv.Value = history.Raw([]int64{o.a.V, o.b.V})
		}
		inv.F = o.f
		emit(inv)
		invokes[p] = inv
		open[p] = len(ops)
		ops = append(ops, o)
	}
	return h, ops
}

func TestOracleAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[Verdict]int{}
	for i := range 3000 {
		h, ops := randomHistory(r)
		if err := h.Validate(); err != nil {
			t.Fatalf("generator made a bad history: %v", err)
		}
		want := Invalid
		if oracleLinearizable(ops) {
			want = Valid
		}
		res := Linearizable{Model: CASRegister(), MinOK: -1}.Check(context.Background(), h)
		if res.Verdict != want {
			for _, o := range h {
				t.Logf("%d %s %s %s %s", o.Time, o.Process, o.Type, o.F, o.Value)
			}
			t.Fatalf("history %d: checker says %s (%s), oracle %s", i, res.Verdict, res.Summary, want)
		}
		counts[want]++
	}
	if counts[Valid] < 300 || counts[Invalid] < 300 {
		t.Fatalf("too one-sided to mean much: %v", counts)
	}
	t.Logf("verdicts: %v", counts)
}
