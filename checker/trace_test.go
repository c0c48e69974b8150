package checker

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// checkTracedPrefix holds the verdict pass's trace of one key to what an
// explanation needs: the result agrees with porcupine's own verbose search,
// and on an illegal key the prefix is a real partial linearization (each
// step legal from the state before it, real-time order respected, nothing
// left out that returned before a prefix op was invoked), it leaves the
// state reported, and it is as long as the longest porcupine's verbose
// search found.
func checkTracedPrefix(t *testing.T, name string, model Model, ops []porcupine.Operation) porcupine.CheckResult {
	t.Helper()
	m := model.Porcupine
	kr := checkKey(model, ops, new(atomic.Bool))
	res, info := porcupine.CheckOperationsVerbose(m, ops, 0)
	if kr.res != res {
		t.Fatalf("%s: traced search says %v, porcupine's verbose search %v", name, kr.res, res)
	}
	if res != porcupine.Illegal {
		if kr.prefix != nil {
			t.Fatalf("%s: a %v key kept a prefix", name, res)
		}
		return res
	}
	longest := 0
	for _, parts := range info.PartialLinearizationsOperations() {
		for _, p := range parts {
			longest = max(longest, len(p))
		}
	}
	if len(kr.prefix) != longest {
		t.Fatalf("%s: traced prefix has %d ops, porcupine's verbose longest %d", name, len(kr.prefix), longest)
	}
	state := m.Init()
	in := make([]bool, len(ops))
	for i, id := range kr.prefix {
		o := ops[id]
		if in[id] {
			t.Fatalf("%s: op %d twice in the prefix", name, id)
		}
		in[id] = true
		ok, next := m.Step(state, o.Input, o.Output)
		if !ok {
			t.Fatalf("%s: prefix op %d (%s) is illegal in state %s", name, i, m.DescribeOperation(o.Input, o.Output), m.DescribeState(state))
		}
		state = next
		for _, id2 := range kr.prefix[:i] {
			if ops[id2].Call > o.Return {
				t.Fatalf("%s: prefix puts op %d, invoked after op %d returned, before it", name, id2, id)
			}
		}
	}
	for _, id := range kr.prefix {
		for j, o := range ops {
			if !in[j] && o.Return < ops[id].Call {
				t.Fatalf("%s: op %d returned before prefix op %d was invoked but is not in the prefix", name, j, id)
			}
		}
	}
	if !m.Equal(state, kr.state) {
		t.Fatalf("%s: the prefix leaves %s, the trace says %s", name, m.DescribeState(state), m.DescribeState(kr.state))
	}
	return res
}

func TestTraceAgreesWithVerboseSearch(t *testing.T) {
	n := map[porcupine.CheckResult]int{}
	check := func(name string, m Model, h history.History) {
		p, err := m.prepare(h)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range sortedKeys(p.keys) {
			n[checkTracedPrefix(t, name+" key "+k, m, p.keys[k])]++
		}
	}
	files, _ := filepath.Glob("testdata/register-*.jsonl")
	ext, _ := filepath.Glob(filepath.Join(fixtures, "jepsen-etcd", "etcd_*.log"))
	for _, f := range append(files, ext...) {
		format := "jsonl"
		if filepath.Ext(f) == ".log" {
			format = "jepsen"
		}
		h, err := ReadHistory(f, format)
		if err != nil {
			t.Fatal(err)
		}
		check(filepath.Base(f), CASRegister(), h)
	}
	// c50-*: porcupine's verbose search of every key of those takes minutes and gigabytes.
	kv, _ := filepath.Glob(filepath.Join(fixtures, "kv", "c[01][01]-*.txt"))
	for _, f := range kv {
		h, err := ReadHistory(f, "edn")
		if err != nil {
			t.Fatal(err)
		}
		check(filepath.Base(f), KV(), h)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 1000 {
		h, _ := randomHistory(r)
		check("random history "+string(rune('0'+i%10)), CASRegister(), h)
	}
	if n[porcupine.Illegal] < 100 || n[porcupine.Ok] < 100 {
		t.Fatalf("too one-sided to mean much: %v", n)
	}
	t.Logf("keys: %d ok, %d illegal", n[porcupine.Ok], n[porcupine.Illegal])
}

// The anomaly a Check reports comes from the trace: a stale read is
// explained by the prefix that makes the read impossible, with the state
// and the culprit of the traced prefix.
func TestExplanationFromTrace(t *testing.T) {
	h, err := history.ReadFile("testdata/register-bad-lost-write.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	m := CASRegister()
	p, err := m.prepare(h)
	if err != nil {
		t.Fatal(err)
	}
	res := Linearizable{Model: m}.Check(context.Background(), h)
	k := IllegalKeys(res)
	if res.Verdict != Invalid || len(k) == 0 {
		t.Fatalf("%+v", res)
	}
	kr := checkKey(m, p.keys[k[0]], new(atomic.Bool))
	a := res.Details["anomaly"].(map[string]any)
	if a["prefix_len"] != len(kr.prefix) || a["state"] != m.Porcupine.DescribeState(kr.state) {
		t.Fatalf("anomaly %v, trace: %d ops leaving %s", a, len(kr.prefix), m.Porcupine.DescribeState(kr.state))
	}
}
