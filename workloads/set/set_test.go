package set

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

type memAPI struct {
	mu     sync.Mutex
	sets   map[string][]int64
	before error
	after  error
	block  bool
	closed bool
}

func (m *memAPI) Add(ctx context.Context, key string, e int64) error {
	if m.block {
		<-ctx.Done()
	}
	if m.before != nil {
		return m.before
	}
	m.mu.Lock()
	m.sets[key] = append(m.sets[key], e)
	m.mu.Unlock()
	if m.block {
		return ctx.Err()
	}
	return m.after
}

func (m *memAPI) Read(ctx context.Context, key string) ([]int64, error) {
	if m.before != nil {
		return nil, m.before
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sets[key]), nil
}

func (m *memAPI) Close() error { m.closed = true; return nil }

var errRefused = errors.New("dial tcp 198.18.0.11:7000: connection refused")

func TestClientOutcomes(t *testing.T) {
	ctx := context.Background()
	m := &memAPI{sets: map[string][]int64{}}
	c := NewClient(m, func(err error) bool { return errors.Is(err, errRefused) }, "n4")
	check := func(f, key, value string, typ history.Type, want string) {
		t.Helper()
		op := history.Op{Process: 1, Type: history.Invoke, F: f, Key: key}
		if value != "" {
			op.Value = json.RawMessage(value)
		}
		done := c.Invoke(ctx, op)
		if done.Type != typ || string(done.Value) != want || done.Node != "n4" {
			t.Fatalf("%s %s %s -> %s %s %q; want %s %s", f, key, value, done.Type, done.Value, done.Error, typ, want)
		}
	}
	check("read", "s0", "", history.OK, "[]")
	check("add", "s0", "3", history.OK, "3")
	check("add", "s0", "1", history.OK, "1")
	check("read", "s0", "", history.OK, "[1,3]")
	m.before = errRefused
	check("add", "s0", "4", history.Fail, "4")
	check("read", "s0", "", history.Fail, "")
	m.before = errors.New("EOF")
	check("add", "s0", "5", history.Info, "5")
	m.before, m.after = nil, errors.New("connection reset")
	check("add", "s0", "6", history.Info, "6")
	m.after = nil
	check("read", "s0", "", history.OK, "[1,3,6]")
	check("add", "s0", `"x"`, history.Fail, `"x"`)
	check("write", "s0", "1", history.Fail, "1")
	if err := c.Close(); err != nil || !m.closed {
		t.Fatal("Close did not close the API")
	}
	// A timed-out add is info even with a classifier that says definite.
	m.block = true
	c = NewClient(m, func(error) bool { return true }, "n4")
	tctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if done := c.Invoke(tctx, history.Op{Type: history.Invoke, F: "add", Key: "s1", Value: json.RawMessage("9")}); done.Type != history.Info {
		t.Fatalf("timed-out add = %s", done.Type)
	}
	if !slices.Contains(m.sets["s1"], 9) {
		t.Fatal("fake did not apply the add; the test proves nothing")
	}
}

func TestGenerator(t *testing.T) {
	drain := func(seed uint64) []history.Op {
		g := NewGenerator(Options{MaxOps: 3000})
		rng := rand.New(rand.NewPCG(seed, 0))
		var ops []history.Op
		for i := 0; ; i++ {
			op, ok := g.Next(rng, history.Process(i%5))
			if !ok {
				return ops
			}
			ops = append(ops, op)
		}
	}
	a, b := drain(1), drain(1)
	if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) == fmt.Sprint(drain(2)) {
		t.Fatal("generator is not deterministic per seed")
	}
	if len(a) != 3000 {
		t.Fatalf("MaxOps 3000, got %d", len(a))
	}
	seen := map[int64]bool{}
	perKey := map[string]int{}
	counts := map[string]int{}
	keys := NewGenerator(Options{}).Keys()
	for _, op := range a {
		if !slices.Contains(keys, op.Key) {
			t.Fatalf("key %q not in %v", op.Key, keys)
		}
		counts[op.F]++
		switch op.F {
		case "add":
			var e int64
			if err := json.Unmarshal(op.Value, &e); err != nil || seen[e] {
				t.Fatalf("add %s: duplicate or bad element", op.Value)
			}
			seen[e] = true
			perKey[op.Key]++
		case "read":
			if op.Value != nil {
				t.Fatalf("read with value %s", op.Value)
			}
		default:
			t.Fatalf("unexpected f %q", op.F)
		}
	}
	if len(perKey) != 5 || counts["read"] < 500 || counts["add"] < 1800 {
		t.Fatalf("op mix %v over keys %v", counts, perKey)
	}
}
