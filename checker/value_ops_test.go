package checker

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/faultline/faultline/history"
)

// valueOpsOf reads value_ops and value_ops_total the way reports do: through
// JSON, as from results.json.
func valueOpsOf(t *testing.T, r Result) ([]ValueOp, map[string]int) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Details struct {
			Ops   []ValueOp      `json:"value_ops"`
			Total map[string]int `json:"value_ops_total"`
		} `json:"details"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back.Details.Ops, back.Details.Total
}

func ix(i int64) *int64 { return &i }

func TestTotalQueueValueOps(t *testing.T) {
	h := queueHistory(
		qop(0, history.Invoke, "enqueue", "1"), // 0
		qop(0, history.OK, "enqueue", "1"),     // 1
		qop(1, history.Invoke, "enqueue", "2"), // 2
		qop(2, history.Invoke, "enqueue", "3"), // 3
		qop(2, history.OK, "enqueue", "3"),     // 4
		qop(1, history.OK, "enqueue", "2"),     // 5
		qop(0, history.Invoke, "enqueue", "4"), // 6
		qop(0, history.Fail, "enqueue", "4"),   // 7
		qop(3, history.Invoke, "dequeue", ""),  // 8
		qop(3, history.OK, "dequeue", "3"),     // 9
		qop(4, history.Invoke, "dequeue", ""),  // 10
		qop(4, history.OK, "dequeue", "3"),     // 11: 3 again
		qop(3, history.Invoke, "dequeue", ""),  // 12
		qop(3, history.OK, "dequeue", "4"),     // 13: its enqueue failed
		qop(3, history.Invoke, "dequeue", ""),  // 14
		qop(3, history.OK, "dequeue", "9"),     // 15: never enqueued
		qop(3, history.Invoke, "dequeue", ""),  // 16
		qop(3, history.OK, "dequeue", "null"),  // 17: drained; 1 and 2 lost
	)
	r := TotalQueue{}.Check(context.Background(), h)
	if r.Verdict != Invalid {
		t.Fatalf("%+v", r)
	}
	want := []ValueOp{
		{Kind: "lost", Value: 1, Write: ix(0), Acked: true},
		{Kind: "lost", Value: 2, Write: ix(2), Acked: true},
		{Kind: "duplicated", Value: 3, Write: ix(3), Acked: true, Seen: []int64{8, 10}},
		{Kind: "unexpected", Value: 4, Write: ix(6), Seen: []int64{12}},
		{Kind: "unexpected", Value: 9, Seen: []int64{14}},
	}
	if got, ok := r.Details["value_ops"].([]ValueOp); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("value_ops in memory:\n got %+v\nwant %+v", r.Details["value_ops"], want)
	}
	ops, total := valueOpsOf(t, r)
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("value_ops from JSON:\n got %+v\nwant %+v", ops, want)
	}
	if !reflect.DeepEqual(total, map[string]int{"lost": 2, "duplicated": 1, "unexpected": 2}) {
		t.Errorf("value_ops_total %v", total)
	}

	// An indeterminate dequeue whose outcome took the value is one of its
	// dequeues.
	res := TotalQueue{}.Check(context.Background(), readQueue(t, "queue-bad-dup-resolved-applied.jsonl"))
	if ops, _ := valueOpsOf(t, res); !reflect.DeepEqual(ops, []ValueOp{{Kind: "duplicated", Value: 1, Write: ix(0), Acked: true, Seen: []int64{2, 4}}}) {
		t.Errorf("resolved duplicate: %+v", ops)
	}

	// A valid history lists nothing.
	ok := TotalQueue{}.Check(context.Background(), readQueue(t, "queue-ok-01-sequential.jsonl"))
	if ops, total := valueOpsOf(t, ok); ok.Verdict != Valid || len(ops) != 0 || len(total) != 0 {
		t.Errorf("valid history: %s %+v %v", ok.Verdict, ops, total)
	}
}

// TestTotalQueueValueOpsBounded: at most 100 of a kind are listed; the
// total says how many there were.
func TestTotalQueueValueOpsBounded(t *testing.T) {
	var ops []history.Op
	for i := range 150 {
		v := string(history.Raw(i))
		ops = append(ops, qop(0, history.Invoke, "enqueue", v), qop(0, history.OK, "enqueue", v))
	}
	ops = append(ops, qop(1, history.Invoke, "dequeue", ""), qop(1, history.OK, "dequeue", "null"))
	r := TotalQueue{}.Check(context.Background(), queueHistory(ops...))
	got, total := valueOpsOf(t, r)
	if r.Verdict != Invalid || len(got) != maxListed || total["lost"] != 150 {
		t.Fatalf("%s: %d listed, total %v", r.Verdict, len(got), total)
	}
	for i, o := range got {
		if o.Kind != "lost" || o.Value != int64(i) || o.Write == nil || *o.Write != int64(2*i) || !o.Acked {
			t.Fatalf("op %d: %+v", i, o)
		}
	}
}

func TestSetValueOps(t *testing.T) {
	add := func(p history.Process, typ history.Type, e int64) history.Op {
		return history.Op{Process: p, Type: typ, F: "add", Key: "s0", Value: history.Raw(e), Node: "n1"}
	}
	read := func(p history.Process, typ history.Type, els []int64) history.Op {
		o := history.Op{Process: p, Type: typ, F: "read", Key: "s0", Node: "n1"}
		if els != nil {
			o.Value = history.Raw(els)
		}
		return o
	}
	final := func(p history.Process, typ history.Type, node string, els []int64) history.Op {
		v := history.Raw(map[string]any{"round": 0})
		if typ == history.OK {
			v = history.Raw(map[string]any{"round": 0, "replica": true, "elements": els})
		}
		return history.Op{Process: p, Type: typ, F: FinalRead, Key: "s0", Value: v, Node: node}
	}
	h := queueHistory(
		add(0, history.Invoke, 1),                // 0
		add(1, history.Invoke, 2),                // 1
		add(0, history.OK, 1),                    // 2
		add(1, history.OK, 2),                    // 3
		add(2, history.Invoke, 3),                // 4
		add(2, history.Info, 3),                  // 5
		read(0, history.Invoke, nil),             // 6
		read(0, history.OK, []int64{1, 2, 3, 8}), // 7: 8 was never added
		read(1, history.Invoke, nil),             // 8
		read(1, history.OK, []int64{1}),          // 9: 2 and 3 lost
		history.Op{Process: history.Nemesis, Type: history.Invoke, F: "heal"}, // 10
		history.Op{Process: history.Nemesis, Type: history.OK, F: "heal"},     // 11
		final(10, history.Invoke, "n1", nil),                                  // 12
		final(10, history.OK, "n1", []int64{1, 2}),                            // 13
		final(11, history.Invoke, "n2", nil),                                  // 14
		final(11, history.OK, "n2", []int64{2}),                               // 15: 1 missing at n2
	)
	r := Set{}.Check(context.Background(), h)
	if r.Verdict != Invalid || r.Details["lost_count"] != 2 || r.Details["missing_at_final_count"] != 1 || r.Details["unexpected_count"] != 1 {
		t.Fatalf("%+v", r)
	}
	want := []ValueOp{
		{Kind: "missing_at_final", Key: "s0", Value: 1, Write: ix(0), Acked: true, Seen: []int64{6}, Missed: []int64{14}},
		{Kind: "lost", Key: "s0", Value: 2, Write: ix(1), Acked: true, Seen: []int64{6}, Missed: []int64{8}},
		{Kind: "lost", Key: "s0", Value: 3, Write: ix(4), Seen: []int64{6}, Missed: []int64{8}},
		{Kind: "unexpected", Key: "s0", Value: 8, Seen: []int64{6}},
	}
	if got, ok := r.Details["value_ops"].([]ValueOp); !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("value_ops in memory:\n got %+v\nwant %+v", r.Details["value_ops"], want)
	}
	ops, total := valueOpsOf(t, r)
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("value_ops from JSON:\n got %+v\nwant %+v", ops, want)
	}
	if !reflect.DeepEqual(total, map[string]int{"lost": 2, "missing_at_final": 1, "unexpected": 1}) {
		t.Errorf("value_ops_total %v", total)
	}
	// A history read from disk: the testdata one's lost element.
	res := Set{}.Check(context.Background(), readQueue(t, "set-bad-lost.jsonl"))
	if ops, _ := valueOpsOf(t, res); !reflect.DeepEqual(ops, []ValueOp{{Kind: "lost", Key: "s0", Value: 1, Write: ix(0), Acked: true, Seen: []int64{2}, Missed: []int64{4}}}) {
		t.Errorf("set-bad-lost: %+v", ops)
	}
}
