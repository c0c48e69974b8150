package checker

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// TestQueueVerdictNamedHistories checks testdata/queue-{ok,bad}-*.jsonl with
// TotalQueue and FIFO together (the queue workload's checkers); the expected verdict is in the
// name, the reason in testdata/README.md.
func TestQueueVerdictNamedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/queue-*.jsonl")
	if err != nil || len(files) < 8 {
		t.Fatalf("found %d queue histories (%v)", len(files), err)
	}
	var ok, bad int
	for _, f := range files {
		name := filepath.Base(f)
		want := Valid
		switch {
		case strings.HasPrefix(name, "queue-ok-"):
			ok++
		case strings.HasPrefix(name, "queue-bad-"):
			want = Invalid
			bad++
		default:
			t.Fatalf("%s: name says neither ok nor bad", name)
		}
		t.Run(name, func(t *testing.T) {
			h, err := history.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := Run(context.Background(), h, TotalQueue{}, FIFO{})
			if res.Verdict != want {
				t.Fatalf("verdict %s, want %s: %+v", res.Verdict, want, res.Checkers)
			}
		})
	}
	if ok == 0 || bad == 0 {
		t.Fatalf("%d ok and %d bad histories: need both", ok, bad)
	}
}

func readQueue(t *testing.T, name string) history.History {
	t.Helper()
	h, err := history.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTotalQueueDetails(t *testing.T) {
	ctx := context.Background()
	lost := TotalQueue{}.Check(ctx, readQueue(t, "queue-bad-lost.jsonl"))
	if lost.Verdict != Invalid || lost.Details["lost"] != 1 || !slices.Equal(lost.Details["lost_values"].([]int64), []int64{1}) {
		t.Fatalf("lost: %+v", lost)
	}
	if !strings.Contains(lost.Summary, "lost") || !strings.Contains(lost.Summary, "1") {
		t.Fatalf("summary does not name the loss: %q", lost.Summary)
	}
	dup := TotalQueue{}.Check(ctx, readQueue(t, "queue-bad-dup.jsonl"))
	if dup.Verdict != Invalid || dup.Details["duplicated"] != 1 || !slices.Equal(dup.Details["duplicated_values"].([]int64), []int64{1}) {
		t.Fatalf("dup: %+v", dup)
	}
	// Out of order is not total-queue's business.
	if r := (TotalQueue{}).Check(ctx, readQueue(t, "queue-bad-order.jsonl")); r.Verdict != Valid {
		t.Fatalf("order: total-queue says %+v", r)
	}
	if r := (FIFO{}).Check(ctx, readQueue(t, "queue-bad-order.jsonl")); r.Verdict != Invalid || !strings.Contains(r.Summary, "not linearizable") {
		t.Fatalf("order: linearizable says %+v", r)
	}
	info := TotalQueue{}.Check(ctx, readQueue(t, "queue-ok-03-info-dequeue.jsonl"))
	if info.Verdict != Valid || info.Details["unknown"] != 1 || info.Details["lost"] != 0 {
		t.Fatalf("info dequeue: %+v", info)
	}
	rec := TotalQueue{}.Check(ctx, readQueue(t, "queue-ok-04-info-enqueue-recovered.jsonl"))
	if rec.Details["recovered"] != 1 || !slices.Equal(rec.Details["recovered_values"].([]int64), []int64{3}) {
		t.Fatalf("recovered: %+v", rec)
	}
}

// TestTotalQueueResolvedDequeues: the outcome ops are what turn a masked
// loss into a reported one; without them the same history is valid.
func TestTotalQueueResolvedDequeues(t *testing.T) {
	ctx := context.Background()
	h := readQueue(t, "queue-bad-lost-resolved-not-applied.jsonl")
	r := TotalQueue{}.Check(ctx, h)
	if r.Verdict != Invalid || r.Details["lost"] != 1 || !slices.Equal(r.Details["lost_values"].([]int64), []int64{1}) ||
		r.Details["resolved_dequeues"] != 1 || r.Details["unresolved_dequeues"] != 0 {
		t.Fatalf("resolved not applied: %+v", r)
	}
	var stripped history.History
	for _, op := range h {
		if op.F != "dequeue-outcome" {
			stripped = append(stripped, op)
		}
	}
	if r := (TotalQueue{}).Check(ctx, stripped); r.Verdict != Valid || r.Details["unknown"] != 1 {
		t.Fatalf("without its outcome the info dequeue masks the loss: %+v", r)
	}
	ok := TotalQueue{}.Check(ctx, readQueue(t, "queue-ok-06-resolved-info-dequeues.jsonl"))
	if ok.Verdict != Valid || ok.Details["unknown"] != 0 || ok.Details["resolved_dequeues"] != 2 ||
		!slices.Equal(ok.Details["resolved_taken_values"].([]int64), []int64{1, 2}) {
		t.Fatalf("resolved applied: %+v", ok)
	}
	// A failed dequeue definitely did nothing: it masks no loss.
	failed := queueHistory(
		history.Op{Process: 0, Type: history.Invoke, F: "enqueue", Value: []byte("1")},
		history.Op{Process: 0, Type: history.OK, F: "enqueue", Value: []byte("1")},
		history.Op{Process: 1, Type: history.Invoke, F: "dequeue", Value: []byte(`{"id":"d-1"}`)},
		history.Op{Process: 1, Type: history.Fail, F: "dequeue"},
		history.Op{Process: 1, Type: history.Invoke, F: "dequeue", Value: []byte(`{"id":"d-2"}`)},
		history.Op{Process: 1, Type: history.OK, F: "dequeue", Value: []byte("null")})
	if r := (TotalQueue{}).Check(ctx, failed); r.Verdict != Invalid || r.Details["indeterminate_dequeues"] != 0 {
		t.Fatalf("a failed dequeue masked a loss: %+v", r)
	}
	// Two different outcomes for one id: the history cannot be read.
	bad := append(history.History{}, h...)
	bad = append(bad,
		history.Op{Process: 9, Type: history.Invoke, F: "dequeue-outcome", Value: []byte(`{"id":"d-1"}`)},
		history.Op{Process: 9, Type: history.OK, F: "dequeue-outcome", Value: []byte(`{"id":"d-1","applied":true,"value":1,"empty":false}`)})
	for i := range bad {
		bad[i].Index, bad[i].Time = int64(i), int64(i)*10
	}
	if r := (TotalQueue{}).Check(ctx, bad); r.Verdict != Unknown || !strings.Contains(r.Summary, "two different outcomes") {
		t.Fatalf("conflicting outcomes: %+v", r)
	}
}

// op builds history entries for the tests below: times follow line order.
func queueHistory(ops ...history.Op) history.History {
	for i := range ops {
		ops[i].Index, ops[i].Time = int64(i), int64(i)*10
	}
	return ops
}

func qop(p history.Process, t history.Type, f string, v string) history.Op {
	o := history.Op{Process: p, Type: t, F: f}
	if v != "" {
		o.Value = []byte(v)
	}
	return o
}

func TestTotalQueueUnexpectedAndUndrained(t *testing.T) {
	ctx := context.Background()
	// 9 dequeued, never enqueued; 5's enqueue failed, yet it came out.
	h := queueHistory(
		qop(0, history.Invoke, "enqueue", "5"), qop(0, history.Fail, "enqueue", "5"),
		qop(0, history.Invoke, "enqueue", "6"), qop(0, history.OK, "enqueue", "6"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "9"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "5"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "6"),
	)
	r := TotalQueue{}.Check(ctx, h)
	if r.Verdict != Invalid || r.Details["unexpected"] != 2 || !slices.Equal(r.Details["unexpected_values"].([]int64), []int64{5, 9}) {
		t.Fatalf("%+v", r)
	}
	// Acknowledged 6 never dequeued, and no empty dequeue after it: the
	// drain was cut short, so that proves nothing.
	h = queueHistory(
		qop(0, history.Invoke, "enqueue", "6"), qop(0, history.OK, "enqueue", "6"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.Info, "dequeue", ""),
	)
	if r := (TotalQueue{}).Check(ctx, h); r.Verdict != Valid && r.Verdict != Unknown {
		t.Fatalf("undrained with an info dequeue: %+v", r)
	}
	h = queueHistory(
		qop(0, history.Invoke, "enqueue", "6"), qop(0, history.OK, "enqueue", "6"),
		qop(0, history.Invoke, "enqueue", "7"), qop(0, history.OK, "enqueue", "7"),
		qop(1, history.Invoke, "dequeue", ""), qop(1, history.Info, "dequeue", ""),
	)
	if r := (TotalQueue{}).Check(ctx, h); r.Verdict != Unknown || r.Details["lost"] != 0 {
		t.Fatalf("undrained: %+v", r)
	}
	// The same, drained: one of 6, 7 may be the info dequeue's; the other
	// is lost.
	h = append(h, qop(2, history.Invoke, "dequeue", ""), qop(2, history.OK, "dequeue", "null"))
	h = queueHistory(h...)
	if r := (TotalQueue{}).Check(ctx, h); r.Verdict != Invalid || r.Details["lost"] != 1 || !slices.Equal(r.Details["lost_values"].([]int64), []int64{6, 7}) {
		t.Fatalf("drained: %+v", r)
	}
	if r := (TotalQueue{}).Check(ctx, nil); r.Verdict != Unknown {
		t.Fatalf("empty history: %+v", r)
	}
}

// A prefix is not the history: an anomaly after the first hundred ops
// (where the prefix search used to stop and say valid) is found, and a
// valid history is called valid for all of it. The history that made the
// porcupine search time out (many concurrent indeterminate ops) is decided
// at once.
func TestFIFOChecksTheWholeHistory(t *testing.T) {
	var ops []history.Op
	for i := range 200 {
		v := string(history.Raw(i))
		ops = append(ops, qop(history.Process(i%7), history.Invoke, "enqueue", v))
		ops = append(ops, qop(history.Process(i%7), history.OK, "enqueue", v))
	}
	r := FIFO{}.Check(context.Background(), queueHistory(ops...))
	if r.Verdict != Valid || !strings.Contains(r.Summary, "whole history: 200 enqueues") {
		t.Fatalf("200 enqueues: %+v", r)
	}
	late := append(slices.Clone(ops), qop(50, history.Invoke, "dequeue", ""), qop(50, history.OK, "dequeue", "199"))
	if r := (FIFO{}).Check(context.Background(), queueHistory(late...)); r.Verdict != Invalid || r.Anomalies[AnomalyFIFOOrder] != 1 {
		t.Fatalf("199 dequeued first, at the end of the history: %+v", r)
	}
	ops = nil
	for i := range 60 {
		ops = append(ops, qop(history.Process(i), history.Invoke, "enqueue", string(history.Raw(i))))
	}
	for i := range 60 {
		ops = append(ops, qop(history.Process(100+i), history.Invoke, "dequeue", ""))
	}
	ops = append(ops, qop(999, history.Invoke, "dequeue", ""), qop(999, history.OK, "dequeue", "12345"))
	start := time.Now()
	r = FIFO{Timeout: 200 * time.Millisecond}.Check(context.Background(), queueHistory(ops...))
	if r.Verdict != Invalid || r.Anomalies[AnomalyFIFOFresh] != 1 {
		t.Fatalf("a dequeue of a value never enqueued, among 120 indeterminate ops: %+v", r)
	}
	t.Logf("hard history: %s in %v", r.Verdict, time.Since(start))
}

func TestQueueModelByName(t *testing.T) {
	m, err := ModelByName("queue")
	if err != nil || m.Name != "queue" {
		t.Fatalf("ModelByName(queue) = %v, %v", m.Name, err)
	}
	res, err := AnalyzeFile(context.Background(), "testdata/queue-bad-order.jsonl", "queue", "jsonl", Linearizable{})
	if err != nil || res.Verdict != Invalid || res.Details["method"] != "fifo-patterns" || res.Anomalies[AnomalyFIFOOrder] != 1 {
		t.Fatalf("analyze queue-bad-order: %+v, %v", res, err)
	}
	// Linearizable with the queue model is the FIFO check too.
	h := readQueue(t, "queue-bad-order.jsonl")
	if r := (Linearizable{Model: m}).Check(context.Background(), h); r.Verdict != Invalid || r.Details["method"] != "fifo-patterns" {
		t.Fatalf("Linearizable{queue}: %+v", r)
	}
}
