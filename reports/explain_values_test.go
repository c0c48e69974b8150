package reports

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// nodeBuilder makes histories in virtual time, each op on a given node.
type nodeBuilder struct{ h history.History }

func (b *nodeBuilder) op(t int64, p history.Process, typ history.Type, f, key string, v any, node string) int64 {
	i := int64(len(b.h))
	b.h = append(b.h, history.Op{Index: i, Time: t, Process: p, Type: typ, F: f, Key: key, Value: history.Raw(v), Node: node})
	return i
}

func (b *nodeBuilder) nem(t int64, typ history.Type, f string, v any) {
	b.op(t, history.Nemesis, typ, f, "", v, "")
}

// lostQueue is a queue history in which node acknowledges 8 enqueues
// (0..7, the last at 12.1 s) that are never dequeued, and is killed at
// 12.4 s until 20.1 s; value 100, acknowledged by n1, is dequeued, and
// the final drain finds the queue empty. enqs are the lost enqueues'
// invoke indices.
func lostQueue(node string) (h history.History, enqs []int64) {
	var b nodeBuilder
	b.op(1*sec, 0, history.Invoke, "enqueue", "", 100, "n1")
	b.op(1*sec+1e6, 0, history.OK, "enqueue", "", 100, "n1")
	for i := range int64(8) {
		at := 10*sec + i*3e8
		enqs = append(enqs, b.op(at-1e6, history.Process(1+i), history.Invoke, "enqueue", "", i, node))
		b.op(at, history.Process(1+i), history.OK, "enqueue", "", i, node)
	}
	b.nem(12*sec+4e8, history.Invoke, "kill", "one")
	b.nem(12*sec+5e8, history.OK, "kill", []string{node})
	b.nem(20*sec, history.Invoke, "start", nil)
	b.nem(20*sec+1e8, history.OK, "start", []string{node})
	b.op(21*sec, 20, history.Invoke, "dequeue", "", nil, "n1")
	b.op(21*sec+1e6, 20, history.OK, "dequeue", "", 100, "n1")
	b.op(22*sec, 20, history.Invoke, "dequeue", "", nil, "n1")
	b.op(22*sec+1e6, 20, history.OK, "dequeue", "", nil, "n1")
	return b.h, enqs
}

// writeValuesRun writes a run directory for h with the results of the
// given checkers, reads results.json back (the report works from what is
// on disk) and writes the report; it returns index.html.
func writeValuesRun(t *testing.T, h history.History, cs ...checker.Checker) (string, checker.Results) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "queue-test", "20260101T000000.000")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var hb []byte
	for _, op := range h {
		l, _ := json.Marshal(op)
		hb = append(append(hb, l...), '\n')
	}
	mustWrite(t, filepath.Join(dir, rundir.HistoryFile), hb)
	rb, err := json.Marshal(checker.Run(context.Background(), h, cs...))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, rundir.ResultsFile), rb)
	var res checker.Results
	if err := json.Unmarshal(rb, &res); err != nil {
		t.Fatal(err)
	}
	back, err := history.ReadFile(filepath.Join(dir, rundir.HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(context.Background(), dir, back, res, Options{}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, rundir.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(page), res
}

func TestQueueLostValuesExplained(t *testing.T) {
	h, enqs := lostQueue("n3")
	page, res := writeValuesRun(t, h, checker.TotalQueue{})
	r := res.Checkers["total-queue"]
	if r.Verdict != checker.Invalid {
		t.Fatalf("fixture: %+v", r)
	}
	// The details, read back from results.json, name each lost value's
	// enqueue.
	ops, total, ok := valueOps(r)
	if !ok || len(ops) != 8 || total["lost"] != 8 {
		t.Fatalf("value_ops %+v total %v", ops, total)
	}
	for i, o := range ops {
		if o.Kind != "lost" || o.Value != int64(i) || o.Write == nil || *o.Write != enqs[i] || !o.Acked {
			t.Errorf("value_ops[%d] = %+v, want lost %d written by op %d", i, o, i, enqs[i])
		}
	}
	for _, want := range []string{
		"All 8 lost enqueues were acknowledged by n3; n3 was killed 0.3 s after the last of them (kill 12.4 s–20.1 s).",
		`<table class="ops values">`,
		"anomaly 12.100s", // the strip marks the last acknowledgement
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	// One row per lost enqueue, with its index, node, call and note.
	for i, idx := range enqs {
		row := `<tr class="mark-culprit"><td class="num">` + itoa(idx) + `</td><td>` + itoa(1+int64(i)) + `</td><td>n3</td><td class="mono" style="white-space:nowrap">enqueue(` + itoa(int64(i)) + `)</td><td class="mono">ok ` + itoa(int64(i)) + `</td>`
		if !strings.Contains(page, row) {
			t.Errorf("index.html lacks the row of enqueue %d: %s", i, row)
		}
		if !strings.Contains(page, "acknowledged "+itoa(int64(i))+", lost</td>") {
			t.Errorf("row of enqueue %d not noted as lost", i)
		}
	}
	// The enqueue that was dequeued is not in the table.
	if strings.Contains(page, "enqueue(100)") {
		t.Error("the table lists an enqueue that was dequeued")
	}
}

func TestQueueValuesHostileNodeEscaped(t *testing.T) {
	evil := `<script>alert(1)</script>`
	h, _ := lostQueue(evil)
	page, _ := writeValuesRun(t, h, checker.TotalQueue{})
	if strings.Contains(page, "<script>") {
		t.Fatal("index.html has a node's name as markup")
	}
	esc := "&lt;script&gt;alert(1)&lt;/script&gt;"
	for _, want := range []string{
		"All 8 lost enqueues were acknowledged by " + esc + "; " + esc + " was killed 0.3 s after the last of them",
		"<td>" + esc + "</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// A set's lost adds, from two nodes, one cut off by a partition while it
// acknowledged them; a duplicated queue value shows when it was dequeued
// again and under which fault.
func TestValueWordsGroupsAndFaults(t *testing.T) {
	var b nodeBuilder
	b.nem(1*sec, history.Invoke, "start-partition", "majority")
	b.nem(1*sec+1e8, history.OK, "start-partition", map[string][]string{"n2": {"n1", "n3"}, "n1": {"n2"}, "n3": {"n2"}})
	a1 := b.op(2*sec, 0, history.Invoke, "add", "s", 1, "n2")
	b.op(2*sec+1e6, 0, history.OK, "add", "s", 1, "n2")
	a2 := b.op(3*sec, 0, history.Invoke, "add", "s", 2, "n2")
	b.op(3*sec+1e6, 0, history.OK, "add", "s", 2, "n2")
	a3 := b.op(4*sec, 1, history.Invoke, "add", "s", 3, "n1")
	b.op(4*sec+1e6, 1, history.OK, "add", "s", 3, "n1")
	r1 := b.op(4*sec+5e8, 2, history.Invoke, "read", "s", nil, "n2")
	b.op(4*sec+6e8, 2, history.OK, "read", "s", []int64{1, 2, 3}, "n2")
	b.nem(5*sec, history.Invoke, "stop-partition", nil)
	b.nem(5*sec+1e8, history.OK, "stop-partition", nil)
	r2 := b.op(6*sec, 2, history.Invoke, "read", "s", nil, "n1")
	b.op(6*sec+1e6, 2, history.OK, "read", "s", []int64{}, "n1")
	res := checker.Set{}.Check(context.Background(), b.h)
	if res.Verdict != checker.Invalid {
		t.Fatalf("fixture: %+v", res)
	}
	ops, _, _ := valueOps(res)
	if len(ops) != 3 || *ops[0].Write != a1 || *ops[1].Write != a2 || *ops[2].Write != a3 || ops[0].Seen[0] != r1 || ops[0].Missed[0] != r2 {
		t.Fatalf("value_ops %+v", ops)
	}
	es := explain(b.h, checker.Results{Verdict: checker.Invalid, Checkers: map[string]checker.Result{"set": res}}, fault.Intervals(b.h), nil, "d")
	v := es[0].Values
	if v == nil {
		t.Fatal("no values view for an invalid set")
	}
	w := strings.Join(es[0].Words, "\n")
	for _, want := range []string{
		"2 of the 3 lost adds were acknowledged by n2; n2 was cut off from n1, n3 while it acknowledged both (partition 1.0 s–5.1 s).",
		"1 of the 3 lost adds was acknowledged by n1; n1 was cut off from n2 while it acknowledged it (partition 1.0 s–5.1 s).",
	} {
		if !strings.Contains(w, want) {
			t.Errorf("words lack %q:\n%s", want, w)
		}
	}
	if v.Time != 4*sec+1e6 || len(v.Rows) != 5 || v.Rows[3].Index != r1 || v.Rows[3].Class != "mark-wrote" || v.Rows[4].Index != r2 || v.Rows[4].Class != "mark-last" {
		t.Errorf("time %d rows %+v", v.Time, v.Rows)
	}

	// A duplicate: when it was dequeued again, under which fault.
	var q nodeBuilder
	q.op(1*sec, 0, history.Invoke, "enqueue", "", 5, "n1")
	q.op(1*sec+1e6, 0, history.OK, "enqueue", "", 5, "n1")
	q.op(2*sec, 1, history.Invoke, "dequeue", "", nil, "n1")
	q.op(2*sec+1e6, 1, history.OK, "dequeue", "", 5, "n1")
	q.nem(3*sec, history.Invoke, "pause", "one")
	q.nem(3*sec+1e8, history.OK, "pause", []string{"n1"})
	q.op(4*sec, 1, history.Invoke, "dequeue", "", nil, "n2")
	q.op(4*sec+2e6, 1, history.OK, "dequeue", "", 5, "n2")
	qr := checker.TotalQueue{}.Check(context.Background(), q.h)
	es = explain(q.h, checker.Results{Verdict: checker.Invalid, Checkers: map[string]checker.Result{"total-queue": qr}}, fault.Intervals(q.h), nil, "d")
	if v := es[0].Values; v == nil || v.Time != 4*sec+2e6 {
		t.Fatalf("duplicate: %+v", es[0])
	}
	if w := strings.Join(es[0].Words, "\n"); !strings.Contains(w, "1 value was returned more than once; the first, 5, was returned again at 4.002s, during pause one n1 (from 3.000s).") {
		t.Errorf("duplicate words:\n%s", w)
	}
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

// Many lost values: the words say how many were listed, the table how
// many of their ops it shows.
func TestValuesBounded(t *testing.T) {
	var b nodeBuilder
	for i := range int64(150) {
		b.op(i*sec/10, 0, history.Invoke, "enqueue", "", i, "n1")
		b.op(i*sec/10+1e6, 0, history.OK, "enqueue", "", i, "n1")
	}
	b.op(20*sec, 1, history.Invoke, "dequeue", "", nil, "n1")
	b.op(20*sec+1e6, 1, history.OK, "dequeue", "", nil, "n1")
	page, _ := writeValuesRun(t, b.h, checker.TotalQueue{})
	for _, want := range []string{
		"The checker found 150 values lost; the first 100 are listed and described here.",
		"All 100 lost enqueues were acknowledged by n1; no fault was in place at them or began within 1 s after.",
		"The operations of the values above, the first 60 of 100 (",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if n := strings.Count(page, `<tr class="mark-culprit">`); n != maxValueRows {
		t.Errorf("%d rows, want %d", n, maxValueRows)
	}
}

// Details that do not match the history, or have another shape, never
// panic: ops the history lacks are left out, a shape that is not
// value_ops is no view.
func TestValuesViewHostileDetails(t *testing.T) {
	h, _ := lostQueue("n3")
	r := checker.Result{Verdict: checker.Invalid, Details: map[string]any{
		"value_ops": []any{map[string]any{"kind": "lost", "value": 1, "write": 99999, "acked": true, "seen": []any{-1}, "missed": []any{1 << 40}},
			map[string]any{"kind": "duplicated", "value": 2, "seen": []any{2}}},
		"value_ops_total": map[string]any{"lost": 7},
		"lost":            "many",
	}}
	v := valuesView(h, r, fault.Intervals(h))
	if v == nil || len(v.Rows) != 1 || v.Rows[0].Index != 2 {
		t.Fatalf("view %+v", v)
	}
	for _, bad := range []any{"garbage", 3, map[string]any{"kind": 1}} {
		if v := valuesView(h, checker.Result{Verdict: checker.Invalid, Details: map[string]any{"value_ops": bad}}, nil); v != nil {
			t.Errorf("value_ops %v: view %+v", bad, v)
		}
	}
}
