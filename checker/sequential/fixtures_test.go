package sequential

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// parse builds a history from one op a line, its invoke and completion
// next to each other, so the lines are also the ops' real-time order:
//
//	P read KEY TYPE [RESULT]    e.g. "1 read x ok 2", "1 read x ok null"
//	P write KEY ARG TYPE        e.g. "0 write x 2 info"
//	P cas KEY [OLD,NEW] TYPE    e.g. "2 cas x [1,2] fail"
//	nemesis F                   a nemesis op
//
// TYPE is ok, fail, info or open (an invoke that never completes). A line
// "P invoke ..." is an invoke alone and "P complete TYPE [RESULT]" its
// completion, for ops that overlap.
func parse(t testing.TB, text string) history.History {
	t.Helper()
	var h history.History
	open := map[history.Process]history.Op{}
	add := func(o history.Op) {
		o.Index, o.Time = int64(len(h)), int64(len(h))*10
		h = append(h, o)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "nemesis" {
			add(history.Op{Process: history.Nemesis, Type: history.Invoke, F: f[1]})
			add(history.Op{Process: history.Nemesis, Type: history.Info, F: f[1]})
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		p := history.Process(n)
		if f[1] == "complete" {
			inv := open[p]
			c := inv.Complete(history.Type(f[2]), nil, "")
			if inv.F == "read" {
				c.Value = nil
				if len(f) > 3 {
					c.Value = json.RawMessage(f[3])
				}
			}
			add(c)
			continue
		}
		alone := f[1] == "invoke"
		if alone {
			f = append(f[:1], f[2:]...)
		}
		inv := history.Op{Process: p, Type: history.Invoke, F: f[1], Key: f[2]}
		var typ, res string
		if inv.F == "read" {
			if !alone {
				typ = f[3]
				if len(f) > 4 {
					res = f[4]
				}
			}
		} else {
			inv.Value = json.RawMessage(f[3])
			if !alone {
				typ = f[4]
			}
		}
		add(inv)
		if alone {
			open[p] = inv
			continue
		}
		if typ == "open" {
			continue
		}
		c := inv.Complete(history.Type(typ), inv.Value, "")
		if inv.F == "read" {
			c.Value = nil
			if res != "" {
				c.Value = json.RawMessage(res)
			}
		}
		add(c)
	}
	return h
}

// fixture is a named history with the verdict it must get.
type fixture struct {
	name, text string
	want       checker.Verdict
	kind       WitnessKind // invalid: the witness's kind
	says       string      // invalid: words the explanation must hold
}

var fixtures = []fixture{
	// Valid, though a careless reading (or linearizability) says otherwise.
	{name: "stale read in real time, allowed by program order", want: checker.Valid, text: `
0 write x 1 ok
1 read x ok null`},
	{name: "two readers disagree in real time, not in any process", want: checker.Valid, text: `
0 write x 1 ok
0 write x 2 ok
1 read x ok 2
2 read x ok 1`},
	{name: "read of the initial value, then a write", want: checker.Valid, text: `
0 read x ok null
0 write x 1 ok
1 read x ok 1`},
	{name: "a write nobody read", want: checker.Valid, text: `
0 write x 1 ok
1 write x 2 ok
0 read x ok 2
2 read x ok 2`},
	{name: "a process reads its own write, another the value before", want: checker.Valid, text: `
0 write x 1 ok
0 write x 2 ok
0 read x ok 2
1 read x ok 1`},
	{name: "info write read later happened", want: checker.Valid, text: `
0 write x 5 info
1 read x ok null
1 read x ok 5`},
	{name: "never-completed write read later happened", want: checker.Valid, text: `
0 write x 3 open
1 read x ok 3`},
	{name: "info cas nobody read is dropped, not a fork", want: checker.Valid, text: `
0 write x 1 ok
1 cas x [1,2] info
2 cas x [1,3] ok
2 read x ok 3`},
	{name: "info cas read later happened", want: checker.Valid, text: `
0 write x 1 ok
1 cas x [1,2] info
2 read x ok 1
2 read x ok 2`},
	{name: "a chain of cas, read through", want: checker.Valid, text: `
0 write x 1 ok
1 cas x [1,2] ok
2 cas x [2,3] ok
3 read x ok 1
3 read x ok 2
3 read x ok 3`},
	{name: "cas from the initial value", want: checker.Valid, text: `
0 cas x [null,1] ok
1 read x ok null
1 read x ok 1`},
	{name: "a failed cas is dropped", want: checker.Valid, text: `
0 write x 1 ok
1 cas x [2,3] fail
1 read x ok 1`},
	{name: "an info read is dropped", want: checker.Valid, text: `
0 write x 1 ok
1 read x info
1 read x ok null`},
	{name: "nemesis ops and final reads are ignored", want: checker.Valid, text: `
nemesis start-partition
0 write x 1 ok
nemesis stop-partition
1 read x ok 1
9 final-read x 1 ok`},
	{name: "a process goes on after an info write, which lands later", want: checker.Valid, text: `
0 write x 1 info
0 write x 2 ok
1 read x ok 2
1 read x ok 1`},
	{name: "each key alone is sequentially consistent (both together are not)", want: checker.Valid, text: `
0 write x 1 ok
1 write y 1 ok
0 read y ok null
1 read x ok null`},

	// Invalid.
	{name: "two processes see each other's write after their own", want: checker.Invalid, kind: KindCycle,
		says: "process 0 read 2 (op 4) after writing 1 (op 0), and process 1 read 1 (op 6) after writing 2 (op 2), so no single order of the writes agrees with both processes", text: `
0 write x 1 ok
1 write x 2 ok
0 read x ok 2
1 read x ok 1`},
	{name: "two readers see two writes in opposite orders", want: checker.Invalid, kind: KindCycle,
		says: "process 2 read 2 (op 7) after reading 1 (op 4), and process 3 read 1 (op 10) after reading 2 (op 5), so no single order of the writes agrees with both processes", text: `
0 write x 1 ok
1 write x 2 ok
2 invoke read x
3 invoke read x
2 complete ok 1
2 read x ok 2
3 complete ok 2
3 read x ok 1`},
	{name: "reads 2 then 1, written 1 then 2 by one process", want: checker.Invalid, kind: KindCycle,
		says: "process 0 wrote 2 (op 2) after writing 1 (op 0), and process 1 read 1 (op 6) after reading 2 (op 4), so no single order of the writes agrees with both processes", text: `
0 write x 1 ok
0 write x 2 ok
1 read x ok 2
1 read x ok 1`},
	{name: "the initial value after a write by the same process", want: checker.Invalid, kind: KindCycle,
		says: "process 0 read the initial value (op 2) after writing 1 (op 0), and the initial value comes before every write, so no single order of the writes agrees with process 0", text: `
0 write x 1 ok
0 read x ok null`},
	{name: "the old value after one's own cas", want: checker.Invalid, kind: KindCycle,
		says: "process 1 read 1 (op 4) after changing 1 to 2 by cas (op 2), and cas op 2 puts 2 right after 1", text: `
0 write x 1 ok
1 cas x [1,2] ok
1 read x ok 1`},
	{name: "a cycle through a cas chain", want: checker.Invalid, kind: KindCycle,
		says: "process 5 read 9 (op 14) after reading 3 (op 12), process 4 read 2 (op 10) after reading 9 (op 8), and cas op 4 puts 3 right after 2, so", text: `
0 write x 1 ok
1 cas x [1,2] ok
2 cas x [2,3] ok
3 write x 9 ok
4 read x ok 9
4 read x ok 2
5 read x ok 3
5 read x ok 9`},
	{name: "a cycle entering a cas chain after where it leaves it", want: checker.Invalid, kind: KindCycle,
		says: "cas op 2 puts 2 right after 1", text: `
0 write x 1 ok
1 cas x [1,2] ok
2 write x 9 ok
3 write x 8 ok
4 read x ok 9
4 read x ok 2
5 read x ok 1
5 read x ok 8
6 read x ok 8
6 read x ok 9`},
	{name: "an info write seen on both sides of another write", want: checker.Invalid, kind: KindCycle, text: `
2 write x 2 info
0 write x 3 ok
0 read x ok 2
1 read x ok 2
1 read x ok 3`},
	{name: "a read of a value never written", want: checker.Invalid, kind: KindUnwritten,
		says: "process 1 read 7 (op 2), but no write of 7 happened or may have happened", text: `
0 write x 1 ok
1 read x ok 7`},
	{name: "a read of a failed write", want: checker.Invalid, kind: KindUnwritten,
		says: "(op 0 wrote it and failed)", text: `
0 write x 3 fail
1 read x ok 3`},
	{name: "an info cas from a value never written, read", want: checker.Invalid, kind: KindUnwritten,
		says: "process 0 changed 5 to 6 by cas (op 0, info), as it must have since process 1 read 6 (op 2)", text: `
0 cas x [5,6] info
1 read x ok 6`},
	{name: "two cas found the same value", want: checker.Invalid, kind: KindCASFork, text: `
0 write x 1 ok
1 cas x [1,2] ok
2 cas x [1,3] ok`},
	{name: "an info cas read, forking an ok one", want: checker.Invalid, kind: KindCASFork, text: `
0 write x 1 ok
1 cas x [1,2] info
2 cas x [1,3] ok
2 read x ok 2`},
	{name: "cas that loop", want: checker.Invalid, kind: KindCASLoop, text: `
0 cas x [1,2] ok
1 cas x [2,1] ok`},
	{name: "a cas that finds its own value", want: checker.Invalid, kind: KindCASLoop,
		says: "the only write of 5, so it found 5 before 5 was written", text: `
0 cas x [5,5] ok`},
	{name: "a read of one's own later write", want: checker.Invalid, kind: KindReadBeforeWrite,
		says: "process 0 read 1 (op 0) before writing 1 (op 2), the only write of 1", text: `
0 read x ok 1
0 write x 1 ok`},
	{name: "a read of one's own later info write", want: checker.Invalid, kind: KindReadBeforeWrite,
		says: "process 0 read 1 (op 0) before writing 1 (op 2, info), the only write of 1", text: `
0 read x ok 1
0 write x 1 info`},
	{name: "one key of two", want: checker.Invalid, kind: KindCycle, text: `
0 write x 1 ok
1 read x ok 1
0 write y 1 ok
0 write y 2 ok
1 read y ok 2
1 read y ok 1`},

	// Unknown.
	{name: "a value written twice", want: checker.Unknown, text: `
0 write x 1 ok
1 write x 1 info
2 read x ok 1`},
	{name: "a write of a string", want: checker.Unknown, text: `
0 write x "a" ok`},
	{name: "an op outside the model", want: checker.Unknown, text: `
0 append x 1 ok`},
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			h := parse(t, f.text)
			if err := h.Validate(); err != nil {
				t.Fatal(err)
			}
			res := Checker{}.Check(context.Background(), h)
			if res.Verdict != f.want {
				t.Fatalf("verdict %s, want %s: %s", res.Verdict, f.want, res.Summary)
			}
			if f.want == checker.Unknown {
				return
			}
			procs, dup := oracleOps(t, h)
			for _, key := range h.Keys() {
				if !dup[key] && oracleSC(onlyKey(procs, key)) != (keyVerdicts(h)[key].verdict == checker.Valid) {
					t.Fatalf("the oracle disagrees on key %q", key)
				}
			}
			if f.want != checker.Invalid {
				return
			}
			w := res.Details["witness"].(*Witness)
			if w.Kind != f.kind {
				t.Errorf("witness kind %s, want %s: %s", w.Kind, f.kind, w.Explanation)
			}
			if !strings.Contains(w.Explanation, f.says) || !strings.Contains(res.Summary, w.Explanation) {
				t.Errorf("explanation %q does not say %q (summary %q)", w.Explanation, f.says, res.Summary)
			}
			checkWitness(t, h, w.Key, w)
			t.Log(res.Summary)
		})
	}
}

// TestNotLinearizableButSequential: the first two fixtures are not
// linearizable (a read that began after a write was acknowledged did not
// see it) and are sequentially consistent.
func TestNotLinearizableButSequential(t *testing.T) {
	for _, f := range fixtures[:2] {
		h := parse(t, f.text)
		lin := checker.Linearizable{Model: checker.CASRegister()}
		if r := lin.Check(context.Background(), h); r.Verdict != checker.Invalid {
			t.Fatalf("%s: linearizable says %s: %s", f.name, r.Verdict, r.Summary)
		}
		if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid {
			t.Fatalf("%s: %s", f.name, r.Summary)
		}
	}
}

// TestNotComposable: each key alone is sequentially consistent, the two
// keys together are not (Dekker's store buffering), which is why the
// checker claims per-key sequential consistency and no more.
func TestNotComposable(t *testing.T) {
	var f fixture
	for _, g := range fixtures {
		if strings.HasPrefix(g.name, "each key alone") {
			f = g
		}
	}
	h := parse(t, f.text)
	procs, _ := oracleOps(t, h)
	if !oracleSC(onlyKey(procs, "x")) || !oracleSC(onlyKey(procs, "y")) {
		t.Fatal("a key alone is not sequentially consistent")
	}
	if oracleSC(procs) {
		t.Fatal("the whole history is sequentially consistent: not the example")
	}
	if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid || !strings.Contains(r.Summary, "per key") {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
}
