package queue

import (
	"context"
	"encoding/json"
	"errors"
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
			if op.Value != nil {
				t.Fatalf("dequeue with a value: %s", op.Value)
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
	c := NewClient(m, definite, "n1")
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
