package checker

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// TestFIFOVerdictNamedHistories checks testdata/queue-{ok,bad}-*.jsonl with
// FIFO alone; the expected verdict is in the name, the reason in
// testdata/README.md. An invalid result names its violations and counts
// them; a valid one counts zero of every kind.
func TestFIFOVerdictNamedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/queue-*.jsonl")
	if err != nil || len(files) < 15 {
		t.Fatalf("found %d queue histories (%v)", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		want := Valid
		if strings.HasPrefix(name, "queue-bad-") {
			want = Invalid
		}
		t.Run(name, func(t *testing.T) {
			h, err := history.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := FIFO{}.Check(context.Background(), h)
			if r.Verdict != want {
				t.Fatalf("verdict %s, want %s: %s", r.Verdict, want, r.Summary)
			}
			for _, k := range []Anomaly{AnomalyFIFOOrder, AnomalyFIFOEmpty, AnomalyFIFOFresh, AnomalyFIFORepeat} {
				if _, ok := r.Anomalies[k]; !ok {
					t.Errorf("%s not counted: %v", k, r.Anomalies)
				}
			}
			vs, _ := r.Details["violations"].([]fifoReport)
			switch {
			case want == Valid && r.Anomalies.Total() != 0:
				t.Errorf("valid, yet counts %v", r.Anomalies)
			case want == Invalid && (r.Anomalies.Total() != len(vs) || len(vs) == 0 || !strings.Contains(r.Summary, "not linearizable")):
				t.Errorf("invalid: counts %v, %d violations listed, summary %q", r.Anomalies, len(vs), r.Summary)
			case want == Invalid && (len(IllegalKeys(r)) != 1 || IllegalKeys(r)[0] != ""):
				t.Errorf("invalid: illegal keys %q, want the queue's key", IllegalKeys(r))
			}
		})
	}
}

// Each kind of violation is found, counted and explained with its ops and
// their times, the earliest in history order first, and the report of the
// same history is the same every time.
func TestFIFOReportsEveryViolation(t *testing.T) {
	h := queueHistory(
		qop(0, history.Invoke, "enqueue", "1"), qop(0, history.OK, "enqueue", "1"), // 0, 1
		qop(0, history.Invoke, "enqueue", "2"), qop(0, history.OK, "enqueue", "2"), // 2, 3
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "2"), // 4, 5: overtakes 1
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "1"), // 6, 7
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "2"), // 8, 9: 2 again
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "9"), // 10, 11: never enqueued
		qop(0, history.Invoke, "enqueue", "3"), qop(0, history.OK, "enqueue", "3"), // 12, 13
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "null"), // 14, 15: 3 is queued
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "3"), // 16, 17
	)
	r := FIFO{}.Check(context.Background(), h)
	want := Anomalies{AnomalyFIFOOrder: 1, AnomalyFIFORepeat: 1, AnomalyFIFOFresh: 1, AnomalyFIFOEmpty: 1}
	if r.Verdict != Invalid || len(r.Anomalies) != len(want) {
		t.Fatalf("%s %v: %s", r.Verdict, r.Anomalies, r.Summary)
	}
	for k, n := range want {
		if r.Anomalies[k] != n {
			t.Errorf("%s: %d, want %d", k, r.Anomalies[k], n)
		}
	}
	vs := r.Details["violations"].([]fifoReport)
	kinds := []Anomaly{AnomalyFIFOOrder, AnomalyFIFORepeat, AnomalyFIFOFresh, AnomalyFIFOEmpty}
	indices := []int64{4, 8, 10, 14}
	for i, v := range vs {
		if v.Kind != kinds[i] || v.Index != indices[i] || v.Ops[0].Index != indices[i] {
			t.Errorf("violation %d: %s at %d, want %s at %d", i, v.Kind, v.Index, kinds[i], indices[i])
		}
	}
	// The order violation names 2's dequeue, the enqueues of 2 and 1, and
	// 1's later dequeue, with their times.
	o := vs[0].Ops
	if len(o) != 4 || o[1].Index != 2 || o[2].Index != 0 || o[3].Index != 6 ||
		o[0].Call != 40 || o[0].Return == nil || *o[0].Return != 50 || *o[2].Value != 1 {
		t.Errorf("order violation's ops: %+v", o)
	}
	if !strings.Contains(r.Summary, "first: dequeue op 4") || !strings.Contains(vs[0].Why, "1 was certainly ahead of it") {
		t.Errorf("summary %q, why %q", r.Summary, vs[0].Why)
	}
	if e := vs[3]; len(e.Ops) != 3 || e.Ops[1].Index != 12 || !strings.Contains(e.Why, "3 (enqueue op 12") {
		t.Errorf("empty violation: %+v", e)
	}
	again := FIFO{}.Check(context.Background(), h)
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("two checks of one history differ:\n%s\n%s", a, b)
	}
}

// genLarge is a valid concurrent queue history of n client ops at the
// given concurrency (every op ok), with its ops.
func genLarge(seed uint64, n, procs int) ([]genOp, history.History) {
	rng := rand.New(rand.NewPCG(seed, 1))
	return genQueueHistory(rng, genOpts{procs: procs, ops: n, deqWeight: 5})
}

// swapDeep swaps the results of two dequeues past op `after` (in invoke
// order) such that the history certainly becomes invalid: d1 returned
// before d2 was invoked, and d1's value a was enqueued (returned) before
// d2's value b's enqueue was invoked. It returns the invoke indices of d1.
func swapDeep(t testing.TB, ops []genOp, h history.History, after int) int64 {
	t.Helper()
	enqOf := map[int64]*genOp{}
	for i := range ops {
		if ops[i].enq {
			enqOf[ops[i].v] = &ops[i]
		}
	}
	for i := after; i < len(ops); i++ {
		d1 := &ops[i]
		if d1.enq || d1.empty || d1.typ != history.OK {
			continue
		}
		for j := i + 1; j < len(ops) && j < i+200; j++ {
			d2 := &ops[j]
			if d2.enq || d2.empty || d2.typ != history.OK || d1.retT >= d2.callT {
				continue
			}
			if enqOf[d1.v].retT >= enqOf[d2.v].callT {
				continue
			}
			// Rewrite the two completions in the history.
			for k := range h {
				switch {
				case h[k].Time == d1.retT && h[k].Type == history.OK && h[k].Process == d1.pid:
					h[k].Value = history.Raw(d2.v)
				case h[k].Time == d2.retT && h[k].Type == history.OK && h[k].Process == d2.pid:
					h[k].Value = history.Raw(d1.v)
				}
			}
			d1.v, d2.v = d2.v, d1.v
			for k := range h {
				if h[k].Time == d1.callT && h[k].Process == d1.pid {
					return h[k].Index
				}
			}
		}
	}
	t.Fatal("no dequeue pair to swap")
	return 0
}

// The deep violation: a concurrent 20,000-op queue history with one
// reordered pair of dequeues past op 12,000 is invalid (in well under a
// second: logged), and the violation reported first is that pair's; the
// same history before the swap is valid.
func TestFIFODeepViolation(t *testing.T) {
	ops, h := genLarge(20, 20_000, 20)
	start := time.Now()
	if r := (FIFO{}).Check(context.Background(), h); r.Verdict != Valid {
		t.Fatalf("the simulated history, before the swap: %s: %s", r.Verdict, r.Summary)
	}
	d1 := swapDeep(t, ops, h, 12_000)
	r := FIFO{}.Check(context.Background(), h)
	took := time.Since(start)
	if r.Verdict != Invalid || r.Anomalies[AnomalyFIFOOrder] == 0 {
		t.Fatalf("after the swap: %s %v: %s", r.Verdict, r.Anomalies, r.Summary)
	}
	first := r.Details["violations"].([]fifoReport)[0]
	if first.Index < d1 {
		t.Errorf("first violation at op %d, before the swapped dequeue at %d: %s", first.Index, d1, first.Why)
	}
	// No test asserts a time (BENCHMARKS.md); BenchmarkFIFO100k measures.
	t.Logf("swapped dequeue at op %d; %v in %v: %s", d1, r.Anomalies, took, short(r.Summary))
}

// The assignment search is bounded: past MaxAssignments the verdict is
// unknown, and it says why; with room enough the same history is invalid
// (six values never dequeued, five unresolved dequeues, then the queue is
// found empty: one value must still be there).
func TestFIFOAssignmentSearchBounded(t *testing.T) {
	var ops []history.Op
	for v := range 6 {
		s := string(history.Raw(v + 1))
		ops = append(ops, qop(0, history.Invoke, "enqueue", s), qop(0, history.OK, "enqueue", s))
	}
	for p := range 5 {
		ops = append(ops, qop(history.Process(10+p), history.Invoke, "dequeue", ""))
	}
	for p := range 5 {
		ops = append(ops, qop(history.Process(10+p), history.Info, "dequeue", ""))
	}
	ops = append(ops, qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "null"))
	h := queueHistory(ops...)
	r := FIFO{MaxAssignments: 10}.Check(context.Background(), h)
	if r.Verdict != Unknown || !strings.Contains(r.Summary, "could not be decided") {
		t.Fatalf("bounded: %s: %s", r.Verdict, r.Summary)
	}
	r = FIFO{}.Check(context.Background(), h)
	if r.Verdict != Invalid || r.Anomalies[AnomalyFIFOEmpty] != 1 || r.Details["decided_by"] != "search" {
		t.Fatalf("unbounded: %s %v: %s", r.Verdict, r.Anomalies, r.Summary)
	}
	// With one more unresolved dequeue every value may have been taken.
	ops = append(ops[:len(ops)-2], qop(20, history.Invoke, "dequeue", ""), qop(20, history.Info, "dequeue", ""),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "null"))
	if r := (FIFO{}).Check(context.Background(), queueHistory(ops...)); r.Verdict != Valid {
		t.Fatalf("six unresolved dequeues: %s: %s", r.Verdict, r.Summary)
	}
}

// Values enqueued twice are beyond the patterns: porcupine searches the
// whole history instead.
func TestFIFORepeatedValuesUsePorcupine(t *testing.T) {
	ok := queueHistory(
		qop(0, history.Invoke, "enqueue", "1"), qop(0, history.OK, "enqueue", "1"),
		qop(0, history.Invoke, "enqueue", "1"), qop(0, history.OK, "enqueue", "1"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "1"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "1"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "null"),
	)
	r := FIFO{}.Check(context.Background(), ok)
	if r.Verdict != Valid || r.Details["method"] != "porcupine" || !strings.Contains(r.Summary, "more than once") {
		t.Fatalf("%s: %s (%v)", r.Verdict, r.Summary, r.Details["method"])
	}
	bad := append(ok[:8:8], qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "1"))
	if r := (FIFO{}).Check(context.Background(), queueHistory(bad...)); r.Verdict != Invalid {
		t.Fatalf("three dequeues of two 1s: %s: %s", r.Verdict, r.Summary)
	}
}

// Ops the model cannot read, or too little activity, are unknown, never
// valid.
func TestFIFOUnreadableAndIdle(t *testing.T) {
	bad := queueHistory(qop(0, history.Invoke, "enqueue", `"x"`), qop(0, history.OK, "enqueue", `"x"`))
	if r := (FIFO{}).Check(context.Background(), bad); r.Verdict != Unknown || !strings.Contains(r.Summary, "not an int") {
		t.Fatalf("unreadable: %s: %s", r.Verdict, r.Summary)
	}
	idle := queueHistory(qop(0, history.Invoke, "enqueue", "1"), qop(0, history.Info, "enqueue", "1"))
	if r := (FIFO{}).Check(context.Background(), idle); r.Verdict != Unknown || !strings.Contains(r.Summary, "too little activity") {
		t.Fatalf("idle: %s: %s", r.Verdict, r.Summary)
	}
}

// `faultline analyze --model queue` goes through AnalyzeFile: the deep
// violation of a 20,000-op history written to disk is found there too.
func TestAnalyzeFileQueueDeepViolation(t *testing.T) {
	ops, h := genLarge(21, 20_000, 20)
	swapDeep(t, ops, h, 12_000)
	path := filepath.Join(t.TempDir(), "history.jsonl")
	w, err := history.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range h {
		if _, err := w.Append(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := AnalyzeFile(context.Background(), path, "queue", "jsonl", Linearizable{Timeout: time.Minute})
	if err != nil || r.Verdict != Invalid || r.Anomalies[AnomalyFIFOOrder] == 0 {
		t.Fatalf("%+v, %v", r, err)
	}
	t.Logf("analyze of 20,000 ops from disk: %v", time.Since(start))
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	w, _ = history.Create(bad)
	w.Append(history.Op{Process: 0, Type: history.Invoke, F: "enqueue", Value: []byte(`"x"`)})
	w.Append(history.Op{Process: 0, Type: history.OK, F: "enqueue", Value: []byte(`"x"`)})
	w.Close()
	if _, err := AnalyzeFile(context.Background(), bad, "queue", "jsonl", Linearizable{}); !errors.Is(err, ErrBadInput) {
		t.Fatalf("an enqueue of a string: %v, want bad input", err)
	}
}
