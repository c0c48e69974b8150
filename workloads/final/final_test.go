package final

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// memRecorder is an in-memory history writer.
type memRecorder struct {
	mu   sync.Mutex
	h    history.History
	fail bool
}

func (r *memRecorder) Record(op history.Op) (history.Op, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return op, errors.New("disk full")
	}
	op.Index, op.Time = int64(len(r.h)), int64(len(r.h))*10
	r.h = append(r.h, op)
	return op, nil
}

// lagging is a 3-node store where node n3 holds a stale version of some
// keys until it has been read lagRounds times; n2 is not a replica of
// anything and reports garbage; broken nodes fail every read.
type lagging struct {
	mu        sync.Mutex
	reads     map[string]int // node/key -> reads so far
	lag       map[string]int // key -> rounds n3 lags (-1: forever)
	broken    string
	extraKeys []string
}

func (l *lagging) state(node, key string) (v int64, replica bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if node == l.broken {
		return 0, false, errors.New("connection refused")
	}
	n := l.reads[node+"/"+key]
	l.reads[node+"/"+key]++
	switch {
	case node == "n2":
		return 999, false, nil
	case node == "n3" && (l.lag[key] < 0 || n < l.lag[key]):
		return 1, true, nil
	}
	return 2, true, nil
}

func (l *lagging) LocalRead(_ context.Context, node, key string) (KVState, error) {
	v, replica, err := l.state(node, key)
	return KVState{Value: &v, TS: v * 100, Replica: replica}, err
}

func (l *lagging) LocalSetRead(_ context.Context, node, key string) (SetState, error) {
	v, replica, err := l.state(node, key)
	els := []int64{v, 7, 7}
	if v == 2 {
		els = []int64{7, 1, 2}
	}
	return SetState{Elements: els, Replica: replica}, err
}

type listing struct{ *lagging }

func (l listing) LocalKeys(_ context.Context, node string) ([]string, []string, error) {
	if node == "n3" {
		return nil, nil, errors.New("timeout")
	}
	return l.extraKeys, []string{"s9"}, nil
}

var nodes = []string{"n1", "n2", "n3"}

func newLagging(lag map[string]int) *lagging {
	return &lagging{reads: map[string]int{}, lag: lag}
}

// rounds maps key -> the rounds it was read in, checking each read's
// shape on the way.
func rounds(t *testing.T, h history.History) map[string][]int {
	t.Helper()
	if err := h.Validate(); err != nil {
		t.Fatalf("history invalid: %v", err)
	}
	out := map[string][]int{}
	for _, p := range h.Pairs() {
		if p.Invoke.F != F || p.Completion == nil || p.Invoke.Node == "" {
			t.Fatalf("bad pair %+v", p)
		}
		var v struct {
			Round   *int  `json:"round"`
			Replica *bool `json:"replica"`
		}
		if err := json.Unmarshal(p.Completion.Value, &v); err != nil || v.Round == nil {
			t.Fatalf("completion value %s", p.Completion.Value)
		}
		if (v.Replica == nil) != (p.Completion.Type == history.Fail) {
			t.Fatalf("replica flag and type disagree: %s %s", p.Completion.Type, p.Completion.Value)
		}
		if p.Invoke.Node == "n1" {
			out[p.Invoke.Key] = append(out[p.Invoke.Key], *v.Round)
		}
	}
	return out
}

func TestReadKVConverges(t *testing.T) {
	rec := &memRecorder{}
	sum, err := ReadKV(context.Background(), rec, newLagging(map[string]int{"k1": 2}), Options{
		Nodes: nodes, Keys: []string{"k10", "k1", "k2"}, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rounds != 3 || sum.Keys != 3 || len(sum.Divergent) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	got := rounds(t, rec.h)
	want := map[string][]int{"k1": {0, 1, 2}, "k2": {0}, "k10": {0}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rounds %v, want %v", got, want)
	}
	// Keys in natural order, one process per node, values as documented.
	first := rec.h[0]
	if first.Key != "k1" && first.Key != "k2" {
		t.Fatalf("first key %q", first.Key)
	}
	for _, op := range rec.h {
		if op.Process < FirstProcess || op.Process > FirstProcess+2 {
			t.Fatalf("process %v", op.Process)
		}
		if op.Type == history.OK && op.Node == "n3" && op.Key == "k2" && string(op.Value) != `{"replica":true,"round":0,"ts":200,"value":2}` {
			t.Fatalf("value %s", op.Value)
		}
	}
}

func TestReadKVDeadline(t *testing.T) {
	rec := &memRecorder{}
	sum, err := ReadKV(context.Background(), rec, newLagging(map[string]int{"k1": -1}), Options{
		Nodes: nodes, Keys: []string{"k1", "k2"}, Interval: time.Millisecond, Timeout: 30 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Divergent, []string{"k1"}) || sum.Rounds < 2 {
		t.Fatalf("summary %+v", sum)
	}
	got := rounds(t, rec.h)
	if len(got["k2"]) != 1 || len(got["k1"]) != sum.Rounds {
		t.Fatalf("rounds %v", got)
	}
}

func TestReadKVFailingNode(t *testing.T) {
	l := newLagging(nil)
	l.broken = "n2" // not a replica, but we cannot know that without reading it
	rec := &memRecorder{}
	sum, err := ReadKV(context.Background(), rec, l, Options{Nodes: nodes, Keys: []string{"k0"}, Interval: time.Millisecond, Timeout: 20 * time.Millisecond})
	if err != nil || !slices.Equal(sum.Divergent, []string{"k0"}) {
		t.Fatalf("summary %+v err %v", sum, err)
	}
	var fails int
	for _, op := range rec.h {
		if op.Type == history.Fail {
			fails++
			if op.Node != "n2" || !strings.Contains(op.Error, "connection refused") {
				t.Fatalf("fail %+v", op)
			}
		}
	}
	if fails != sum.Rounds {
		t.Fatalf("%d fails in %d rounds", fails, sum.Rounds)
	}
	rounds(t, rec.h)
}

func TestReadSetsAndKeyLister(t *testing.T) {
	rec := &memRecorder{}
	l := listing{newLagging(map[string]int{"s9": 1})}
	sum, err := ReadSets(context.Background(), rec, l, Options{Nodes: nodes, Keys: []string{"s0"}, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Keys != 2 || sum.Rounds != 2 || len(sum.Divergent) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	for _, op := range rec.h {
		if op.Type == history.OK && op.Node == "n1" && !strings.HasPrefix(string(op.Value), `{"elements":[1,2,7],"replica":true,"round":`) {
			t.Fatalf("set value %s", op.Value)
		}
		if op.Type == history.OK && op.Node == "n3" && op.Key == "s9" && strings.Contains(string(op.Value), `"round":0`) &&
			string(op.Value) != `{"elements":[1,7],"replica":true,"round":0}` {
			t.Fatalf("lagging set value %s", op.Value)
		}
	}
	if got := rounds(t, rec.h); len(got["s9"]) != 2 || len(got["s0"]) != 1 {
		t.Fatalf("rounds %v", got)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := ReadKV(ctx, &memRecorder{}, newLagging(nil), Options{}); err == nil {
		t.Fatal("no nodes accepted")
	}
	if _, err := ReadKV(ctx, &memRecorder{fail: true}, newLagging(nil), Options{Nodes: nodes, Keys: []string{"k0"}}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("recorder error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadKV(cctx, &memRecorder{}, newLagging(map[string]int{"k0": -1}), Options{Nodes: nodes, Keys: []string{"k0"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
