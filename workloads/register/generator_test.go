package register

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/history"
)

func drain(g *Generator, seed uint64, n int) []history.Op {
	rng := rand.New(rand.NewPCG(seed, 0))
	var ops []history.Op
	for i := range n {
		op, ok := g.Next(rng, history.Process(i%10))
		if !ok {
			break
		}
		ops = append(ops, op)
	}
	return ops
}

func TestGeneratorDeterministic(t *testing.T) {
	a := drain(NewGenerator(Options{Concurrency: 10}), 5, 2000)
	b := drain(NewGenerator(Options{Concurrency: 10}), 5, 2000)
	c := drain(NewGenerator(Options{Concurrency: 10}), 6, 2000)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different ops")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("different seeds, same ops")
	}
}

func TestGeneratorInvariants(t *testing.T) {
	g := NewGenerator(Options{Concurrency: 10, OpsPerKey: 50})
	if o := g.Options(); o.KeysInFlight != 3 || o.Read != 2 || o.Write != 1 || o.CAS != 1 {
		t.Fatalf("defaults %+v", o)
	}
	ops := drain(g, 1, 5000)
	perKey := map[string]int{}
	seen := map[string]map[int64]bool{} // key -> values written or cas'd in
	written := map[string]map[int64]bool{}
	counts := map[string]int{}
	for _, op := range ops {
		if op.Type != history.Invoke || !strings.HasPrefix(op.Key, "k") {
			t.Fatalf("bad op %+v", op)
		}
		perKey[op.Key]++
		counts[op.F]++
		if seen[op.Key] == nil {
			seen[op.Key], written[op.Key] = map[int64]bool{}, map[int64]bool{}
		}
		var fresh int64
		switch op.F {
		case "read":
			if op.Value != nil {
				t.Fatalf("read with value %s", op.Value)
			}
			continue
		case "write":
			if err := json.Unmarshal(op.Value, &fresh); err != nil {
				t.Fatal(err)
			}
		case "cas":
			var v [2]int64
			if err := json.Unmarshal(op.Value, &v); err != nil {
				t.Fatal(err)
			}
			if !written[op.Key][v[0]] {
				t.Fatalf("cas %v on %s: old value was never written there", v, op.Key)
			}
			fresh = v[1]
		default:
			t.Fatalf("unexpected f %q", op.F)
		}
		if seen[op.Key][fresh] {
			t.Fatalf("value %d reused on %s", fresh, op.Key)
		}
		seen[op.Key][fresh] = true
		written[op.Key][fresh] = true
	}
	for k, n := range perKey {
		if n > 50 {
			t.Fatalf("key %s got %d ops, bound 50", k, n)
		}
	}
	if len(perKey) < 5000/50 {
		t.Fatalf("only %d keys for 5000 ops at 50 per key", len(perKey))
	}
	// The mix is roughly 50/25/25 (cas turns into write only on fresh keys).
	if r := counts["read"]; r < 2200 || r > 2800 {
		t.Fatalf("reads %d of 5000: %v", r, counts)
	}
	if c := counts["cas"]; c < 900 || c > 1400 {
		t.Fatalf("cas %d of 5000: %v", c, counts)
	}
}

func TestGeneratorKeysOverlap(t *testing.T) {
	// Several processes must hit the same key while it is active.
	g := NewGenerator(Options{Concurrency: 9})
	procs := map[string]map[history.Process]bool{}
	for _, op := range drain(g, 3, 600) {
		if procs[op.Key] == nil {
			procs[op.Key] = map[history.Process]bool{}
		}
		procs[op.Key][op.Process] = true
	}
	for k, p := range procs {
		if len(p) < 3 {
			t.Fatalf("key %s only saw processes %v", k, p)
		}
	}
}

func TestGeneratorMaxKeysEnds(t *testing.T) {
	g := NewGenerator(Options{OpsPerKey: 10, KeysInFlight: 2, MaxKeys: 3})
	ops := drain(g, 1, 1000)
	if len(ops) != 30 {
		t.Fatalf("3 keys x 10 ops: got %d ops", len(ops))
	}
	if _, ok := g.Next(rand.New(rand.NewPCG(1, 1)), 0); ok {
		t.Fatal("exhausted generator gave an op")
	}
}

func TestGeneratorConcurrentNext(t *testing.T) {
	g := NewGenerator(Options{Concurrency: 8, OpsPerKey: 20})
	var wg sync.WaitGroup
	var mu sync.Mutex
	perKey := map[string]int{}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for range 500 {
				op, _ := g.Next(rng, history.Process(w))
				mu.Lock()
				perKey[op.Key]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for k, n := range perKey {
		if n > 20 {
			t.Fatalf("key %s got %d ops under concurrency, bound 20", k, n)
		}
	}
}
