package kv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// memAPI is an in-memory store with error injection.
type memAPI struct {
	mu     sync.Mutex
	vals   map[string]int64
	before error // fails the call before it takes effect
	after  error // lets the call take effect, then fails it (reply lost)
	block  bool  // waits for ctx to end, then takes effect
	closed bool
}

func newMem() *memAPI { return &memAPI{vals: map[string]int64{}} }

func (m *memAPI) call(ctx context.Context, apply func() error) error {
	if m.block {
		<-ctx.Done()
	}
	if m.before != nil {
		return m.before
	}
	m.mu.Lock()
	err := apply()
	m.mu.Unlock()
	if err != nil {
		return err
	}
	if m.block {
		return ctx.Err()
	}
	return m.after
}

func (m *memAPI) Read(ctx context.Context, key string) (*int64, error) {
	var out *int64
	err := m.call(ctx, func() error {
		if v, ok := m.vals[key]; ok {
			out = &v
		}
		return nil
	})
	return out, err
}

func (m *memAPI) Write(ctx context.Context, key string, v int64) error {
	return m.call(ctx, func() error { m.vals[key] = v; return nil })
}

func (m *memAPI) CAS(ctx context.Context, key string, old *int64, new int64) error {
	return m.call(ctx, func() error {
		cur, ok := m.vals[key]
		if (old == nil && ok) || (old != nil && (!ok || cur != *old)) {
			return fmt.Errorf("kv: key %s holds %d: %w", key, cur, ErrMismatch)
		}
		m.vals[key] = new
		return nil
	})
}

func (m *memAPI) Close() error { m.closed = true; return nil }

var errRefused = errors.New("dial tcp 198.18.0.11:7000: connection refused")

func definite(err error) bool { return errors.Is(err, errRefused) }

func inv(f, key, value string) history.Op {
	op := history.Op{Process: 3, Type: history.Invoke, F: f, Key: key}
	if value != "" {
		op.Value = json.RawMessage(value)
	}
	return op
}

func TestClientOutcomes(t *testing.T) {
	ctx := context.Background()
	m := newMem()
	c := NewClient(m, definite, "n1")
	check := func(op history.Op, typ history.Type, value string) history.Op {
		t.Helper()
		done := c.Invoke(ctx, op)
		if done.Type != typ || string(done.Value) != value || done.Node != "n1" || done.F != op.F || done.Key != op.Key {
			t.Fatalf("%s %s %s -> %s %s node %q err %q; want %s %s", op.F, op.Key, op.Value, done.Type, done.Value, done.Node, done.Error, typ, value)
		}
		return done
	}
	check(inv("read", "k0", ""), history.OK, "null")
	check(inv("write", "k0", "1"), history.OK, "1")
	check(inv("read", "k0", ""), history.OK, "1")
	check(inv("cas", "k0", "[1,2]"), history.OK, "[1,2]")
	if done := check(inv("cas", "k0", "[1,3]"), history.Fail, "[1,3]"); done.Error == "" {
		t.Fatal("cas mismatch without error text")
	}
	check(inv("cas", "k9", "[null,1]"), history.OK, "[null,1]")

	m.before = errRefused // definite: fail, nothing happened
	check(inv("write", "k0", "4"), history.Fail, "4")
	check(inv("cas", "k0", "[2,5]"), history.Fail, "[2,5]")
	check(inv("read", "k0", ""), history.Fail, "")
	m.before = nil
	check(inv("read", "k0", ""), history.OK, "2")

	m.after = errors.New("read tcp: connection reset by peer") // took effect: info
	check(inv("write", "k0", "6"), history.Info, "6")
	check(inv("cas", "k0", "[6,7]"), history.Info, "[6,7]")
	m.after = nil
	check(inv("read", "k0", ""), history.OK, "7")

	m.before = errors.New("something odd") // unclassified: info
	check(inv("write", "k0", "8"), history.Info, "8")
	m.before = nil

	check(inv("write", "k0", `"x"`), history.Fail, `"x"`)
	check(inv("cas", "k0", `[1]`), history.Fail, `[1]`)
	check(inv("add", "k0", `1`), history.Fail, `1`)
	check(inv("read", "k0", ""), history.OK, "7")
	if err := c.Close(); err != nil || !m.closed {
		t.Fatalf("Close: %v closed=%v", err, m.closed)
	}
}

func TestClientTimeoutIsInfo(t *testing.T) {
	m := newMem()
	m.block = true
	c := NewClient(m, func(error) bool { return true }, "n2")
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if done := c.Invoke(ctx, inv("write", "k1", "9")); done.Type != history.Info || done.Error == "" {
		t.Fatalf("timed-out write = %s %q", done.Type, done.Error)
	}
	if m.vals["k1"] != 9 {
		t.Fatal("fake did not apply the write; the test proves nothing")
	}
}

func TestClientNilDefinite(t *testing.T) {
	m := newMem()
	m.before = errRefused
	c := NewClient(m, nil, "n1")
	if done := c.Invoke(context.Background(), inv("write", "k0", "1")); done.Type != history.Info {
		t.Fatalf("with no classifier, an error is info; got %s", done.Type)
	}
	m.before = nil
	m.vals["k0"] = 5
	if done := c.Invoke(context.Background(), inv("cas", "k0", "[1,2]")); done.Type != history.Fail {
		t.Fatalf("mismatch is always fail; got %s", done.Type)
	}
}
