package queue

import (
	"encoding/json"
	"testing"
)

// TestFIFODequeueOutcomes drives the state machine alone: a dequeue with
// an id records what it did, a repeat of it changes nothing, an outcome
// command answers from the records and fences unknown ids, and a fenced
// dequeue applied later does nothing.
func TestFIFODequeueOutcomes(t *testing.T) {
	q := newFIFO(nil, nil)
	res := q.apply(batch{Cmds: []command{
		{Op: cmdEnqueue, Value: 1}, {Op: cmdEnqueue, Value: 2}, {Op: cmdEnqueue, Value: 3},
		{Op: cmdDequeue, ID: "a"},
		{Op: cmdDequeue, ID: "a"}, // a retried request: answered, not applied again
		{Op: cmdOutcome, IDs: []string{"a", "late"}},
		{Op: cmdDequeue, ID: "late"}, // arrives after its fence
		{Op: cmdDequeue},
		{Op: cmdDequeue, ID: "b"},
		{Op: cmdDequeue, ID: "c"},
		{Op: cmdOutcome, IDs: []string{"c", "b", "late"}},
	}})
	got, _ := json.Marshal(res)
	want := `[{"Value":1,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":2,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":3,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":1,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":1,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":0,"Empty":false,"Fenced":false,"Outcomes":[{"id":"a","applied":true,"value":1,"empty":false},{"id":"late","applied":false,"value":null,"empty":false}]},` +
		`{"Value":0,"Empty":false,"Fenced":true,"Outcomes":null},` +
		`{"Value":2,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":3,"Empty":false,"Fenced":false,"Outcomes":null},` +
		`{"Value":0,"Empty":true,"Fenced":false,"Outcomes":null},` +
		`{"Value":0,"Empty":false,"Fenced":false,"Outcomes":[{"id":"c","applied":true,"value":null,"empty":true},{"id":"b","applied":true,"value":3,"empty":false},{"id":"late","applied":false,"value":null,"empty":false}]}]`
	if string(got) != want {
		t.Fatalf("results\n%s\nwant\n%s", got, want)
	}
	if q.Len() != 0 || len(q.outcomes) != 4 {
		t.Fatalf("queue len %d, %d outcomes; want 0 and 4 (a, b, c, late)", q.Len(), len(q.outcomes))
	}
	// A replica built from a snapshot of q answers the same.
	r := newFIFO(q.Elements(), q.Outcomes())
	if o := r.resolve([]string{"b"}); !o[0].Applied || *o[0].Value != 3 {
		t.Fatalf("outcome of b from a snapshot: %+v", o[0])
	}
}

// TestRecallAfterSnapshot: a batch applied inside a snapshot is answered
// from the recorded outcomes where it can be.
func TestRecallAfterSnapshot(t *testing.T) {
	q := newFIFO(nil, nil)
	q.apply(batch{Cmds: []command{{Op: cmdEnqueue, Value: 7}, {Op: cmdDequeue, ID: "x"}, {Op: cmdOutcome, IDs: []string{"x", "y"}}}})
	p := &proposal{cmds: []*cmd{
		{c: command{Op: cmdEnqueue, Value: 8}, res: make(chan cmdResult, 1)},
		{c: command{Op: cmdDequeue, ID: "x"}, res: make(chan cmdResult, 1)},
		{c: command{Op: cmdDequeue}, res: make(chan cmdResult, 1)},
		{c: command{Op: cmdOutcome, IDs: []string{"y", "x"}}, res: make(chan cmdResult, 1)},
	}}
	p.finish(nil, q.lookup)
	var got []cmdResult
	for _, k := range p.cmds {
		got = append(got, <-k.res)
	}
	if !got[0].known || got[0].r.Value != 8 {
		t.Fatalf("enqueue: %+v", got[0])
	}
	if !got[1].known || got[1].r.Value != 7 || got[1].r.Empty {
		t.Fatalf("dequeue x: %+v, want known 7", got[1])
	}
	if got[2].known {
		t.Fatalf("dequeue without id: %+v, want unknown", got[2])
	}
	o := got[3].r.Outcomes
	if !got[3].known || len(o) != 2 || o[0].Applied || !o[1].Applied || *o[1].Value != 7 {
		t.Fatalf("outcome: %+v", got[3])
	}
}
