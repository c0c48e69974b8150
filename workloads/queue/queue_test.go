package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/history"
)

// memQueue is an in-memory FIFO with error injection.
type memQueue struct {
	mu    sync.Mutex
	items []int64
	// before fails the call before it takes effect; after lets it take
	// effect and then fails it (the reply was lost). Each is consumed.
	before, after []error
	closed        bool
}

func (m *memQueue) pop(l *[]error) error {
	if len(*l) == 0 {
		return nil
	}
	e := (*l)[0]
	*l = (*l)[1:]
	return e
}

func (m *memQueue) Enqueue(ctx context.Context, v int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.pop(&m.before); err != nil {
		return err
	}
	m.items = append(m.items, v)
	return m.pop(&m.after)
}

func (m *memQueue) Dequeue(ctx context.Context) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.pop(&m.before); err != nil {
		return 0, false, err
	}
	if len(m.items) == 0 {
		return 0, true, m.pop(&m.after)
	}
	v := m.items[0]
	m.items = m.items[1:]
	return v, false, m.pop(&m.after)
}

func (m *memQueue) Close() error { m.closed = true; return nil }

var errRefused = errors.New("dial tcp: connection refused")

func definite(err error) bool { return errors.Is(err, errRefused) }

func TestGeneratorUniqueValuesAndMix(t *testing.T) {
	g := NewGenerator(Options{MaxOps: 1000})
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	var enq, deq int
	for {
		op, ok := g.Next(rng, 3)
		if !ok {
			break
		}
		if op.Type != history.Invoke || op.Process != 3 {
			t.Fatalf("op %+v", op)
		}
		switch op.F {
		case "enqueue":
			enq++
			if seen[string(op.Value)] {
				t.Fatalf("value %s handed out twice", op.Value)
			}
			seen[string(op.Value)] = true
		case "dequeue":
			deq++
			if id := dequeueID(op.Value); id != fmt.Sprintf("d-%d", deq) {
				t.Fatalf("dequeue %d has request id %q (value %s)", deq, id, op.Value)
			}
		default:
			t.Fatalf("f %q", op.F)
		}
	}
	if enq+deq != 1000 || enq < 400 || deq < 400 {
		t.Fatalf("%d enqueues, %d dequeues of 1000: not an even mix", enq, deq)
	}
	only := NewGenerator(Options{Enqueue: 1, Dequeue: 0})
	for range 50 {
		if op, _ := only.Next(rng, 0); op.F != "enqueue" {
			t.Fatalf("enqueue-only generator gave %q", op.F)
		}
	}
}

func TestClientOutcomes(t *testing.T) {
	ctx := context.Background()
	m := &memQueue{}
	c := NewClient(m, definite, "n1", nil)
	check := func(op history.Op, typ history.Type, value string) {
		t.Helper()
		done := c.Invoke(ctx, op)
		if done.Type != typ || string(done.Value) != value || done.Node != "n1" || done.F != op.F {
			t.Fatalf("%s %s -> %s %s (%q); want %s %s", op.F, op.Value, done.Type, done.Value, done.Error, typ, value)
		}
	}
	enq := func(v int64) history.Op {
		return history.Op{Process: 1, Type: history.Invoke, F: "enqueue", Value: history.Raw(v)}
	}
	deq := history.Op{Process: 1, Type: history.Invoke, F: "dequeue"}
	check(deq, history.OK, "null")
	check(enq(1), history.OK, "1")
	check(enq(2), history.OK, "2")
	check(deq, history.OK, "1")
	m.before = []error{errRefused}
	check(enq(3), history.Fail, "3")
	m.before = []error{errRefused}
	check(deq, history.Fail, "")
	m.after = []error{errors.New("connection reset")}
	check(deq, history.Info, "") // took 2 away, reply lost
	m.after = []error{errors.New("connection reset")}
	check(enq(4), history.Info, "4")
	check(deq, history.OK, "4")
	check(history.Op{F: "enqueue", Value: json.RawMessage(`"x"`)}, history.Fail, `"x"`)
	check(history.Op{F: "peek"}, history.Fail, "")
	if err := c.Close(); err != nil || !m.closed {
		t.Fatalf("Close: %v closed=%v", err, m.closed)
	}
}

type memRec struct {
	ops []history.Op
}

func (r *memRec) Record(op history.Op) (history.Op, error) {
	op.Index = int64(len(r.ops))
	op.Time = int64(len(r.ops)) * 10
	r.ops = append(r.ops, op)
	return op, nil
}

func TestDrainEmptiesEveryNode(t *testing.T) {
	shared := &memQueue{items: []int64{5, 6, 7}}
	n2 := &memQueue{items: []int64{9}, after: []error{errors.New("timeout")}, before: []error{errRefused}}
	drain := NewDrain(map[string]API{"n1": shared, "n2": n2}, DrainOptions{FirstProcess: 100, Retry: 1, Definite: definite})
	rec := &memRec{}
	if err := drain(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	h := history.History(rec.ops)
	if err := h.Validate(); err != nil {
		t.Fatalf("drain history invalid: %v", err)
	}
	var got []string
	for _, p := range h.Pairs() {
		if p.Invoke.F != "dequeue" || p.Completion == nil {
			t.Fatalf("pair %+v", p)
		}
		got = append(got, p.Invoke.Node+":"+string(p.Completion.Type)+":"+string(p.Completion.Value)+":"+p.Invoke.Process.String())
	}
	// n2: a refused dequeue (fail, same process), one whose reply was lost
	// (info: the 9 is gone; next process), then empty.
	want := "n1:ok:5:100 n1:ok:6:100 n1:ok:7:100 n1:ok:null:100 n2:fail::100 n2:info::100 n2:ok:null:101"
	if strings.Join(got, " ") != want {
		t.Fatalf("drain recorded\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

// stuck never empties.
type stuck struct{}

func (stuck) Enqueue(context.Context, int64) error { return nil }
func (stuck) Dequeue(ctx context.Context) (int64, bool, error) {
	<-ctx.Done()
	return 0, false, ctx.Err()
}

func TestDrainIncomplete(t *testing.T) {
	drain := NewDrain(map[string]API{"n1": stuck{}}, DrainOptions{FirstProcess: 7, OpTimeout: 1, Timeout: 50 * 1e6, Retry: 1})
	rec := &memRec{}
	err := drain(context.Background(), rec)
	if !errors.Is(err, ErrDrainIncomplete) || !strings.Contains(err.Error(), "n1") {
		t.Fatalf("err %v, want ErrDrainIncomplete naming n1", err)
	}
	if len(rec.ops) == 0 || rec.ops[len(rec.ops)-1].Type == history.Invoke {
		t.Fatalf("drain left %d ops, the last one open", len(rec.ops))
	}
}

// memResolver is memQueue with request ids: it records what each dequeue
// with an id did and answers outcome queries (fencing unknown ids), with
// its own error injection for the queries.
type memResolver struct {
	*memQueue
	recs     map[string]Outcome
	asks     []string
	askFails []error
}

func newMemResolver(items ...int64) *memResolver {
	return &memResolver{memQueue: &memQueue{items: items}, recs: map[string]Outcome{}}
}

func (m *memResolver) DequeueID(ctx context.Context, id string) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.pop(&m.before); err != nil {
		return 0, false, err
	}
	if _, ok := m.recs[id]; ok {
		return 0, false, errRefused
	}
	o := Outcome{ID: id, Applied: true, Empty: len(m.items) == 0}
	if !o.Empty {
		v := m.items[0]
		m.items = m.items[1:]
		o.Value = &v
	}
	m.recs[id] = o
	var v int64
	if o.Value != nil {
		v = *o.Value
	}
	return v, o.Empty, m.pop(&m.after)
}

func (m *memResolver) DequeueOutcome(ctx context.Context, id string) (bool, int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asks = append(m.asks, id)
	if err := m.pop(&m.askFails); err != nil {
		return false, 0, false, err
	}
	o, ok := m.recs[id]
	if !ok {
		m.recs[id] = Outcome{ID: id}
		return false, 0, false, nil
	}
	var v int64
	if o.Value != nil {
		v = *o.Value
	}
	return o.Applied, v, o.Empty, nil
}

func TestClientTracksUnresolvedDequeues(t *testing.T) {
	ctx := context.Background()
	m := newMemResolver(1, 2, 3)
	u := NewUnresolved()
	c := NewClient(m, definite, "n1", u)
	deq := func(id string) history.Op {
		return c.Invoke(ctx, history.Op{Process: 1, Type: history.Invoke, F: "dequeue", Value: history.Raw(DequeueArg{ID: id})})
	}
	if op := deq("d-1"); op.Type != history.OK || string(op.Value) != "1" {
		t.Fatalf("d-1: %+v", op)
	}
	m.before = []error{errRefused}
	if op := deq("d-2"); op.Type != history.Fail {
		t.Fatalf("d-2: %+v", op)
	}
	m.after = []error{errors.New("connection reset")}
	if op := deq("d-3"); op.Type != history.Info {
		t.Fatalf("d-3: %+v", op)
	}
	if got := strings.Join(u.IDs(), " "); got != "d-3" {
		t.Fatalf("unresolved %q, want d-3 only", got)
	}
	if m.recs["d-1"].Value == nil || *m.recs["d-1"].Value != 1 || *m.recs["d-3"].Value != 2 {
		t.Fatalf("the client did not send the request ids: %+v", m.recs)
	}
}

func TestDrainResolvesIndeterminateDequeues(t *testing.T) {
	// The workers lost the replies of w-1 (it took 5) and w-2 (never
	// applied); the drain loses the reply of its own first dequeue.
	n1 := newMemResolver(5, 6, 7)
	if _, _, err := n1.DequeueID(context.Background(), "w-1"); err != nil {
		t.Fatal(err)
	}
	n1.after = []error{errors.New("timeout")}
	n1.askFails = []error{errors.New("timeout")} // n1 fails the first query: n2 answers
	n2 := &memResolver{memQueue: &memQueue{}, recs: n1.recs}
	u := NewUnresolved()
	u.Add("w-1")
	u.Add("w-2")
	drain := NewDrain(map[string]API{"n1": n1, "n2": n2}, DrainOptions{FirstProcess: 100, Retry: 1, Definite: definite, Unresolved: u})
	rec := &memRec{}
	if err := drain(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	h := history.History(rec.ops)
	if err := h.Validate(); err != nil {
		t.Fatalf("drain history invalid: %v", err)
	}
	var got []string
	for _, p := range h.Pairs() {
		if p.Completion == nil {
			t.Fatalf("open pair %+v", p)
		}
		got = append(got, fmt.Sprintf("%s:%s:%s:%s->%s", p.Invoke.F, p.Invoke.Process, p.Completion.Type, p.Invoke.Value, p.Completion.Value))
	}
	want := []string{
		`dequeue:100:info:{"id":"drain-1"}->`, // took 6, reply lost
		`dequeue:101:ok:{"id":"drain-2"}->7`,
		`dequeue:101:ok:{"id":"drain-3"}->null`,
		`dequeue:101:ok:{"id":"drain-4"}->null`, // n2
		`dequeue-outcome:101:ok:{"id":"w-1"}->{"id":"w-1","applied":true,"value":5,"empty":false}`,
		`dequeue-outcome:101:ok:{"id":"w-2"}->{"id":"w-2","applied":false,"value":null,"empty":false}`,
		`dequeue-outcome:101:ok:{"id":"drain-1"}->{"id":"drain-1","applied":true,"value":6,"empty":false}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("drain recorded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(n1.asks, " ") != "w-1" || strings.Join(n2.asks, " ") != "w-1 w-2 drain-1" {
		t.Fatalf("asked n1 %v, n2 %v: want n1 to fail once and n2 to answer the rest", n1.asks, n2.asks)
	}
}
