package kv

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
	for _, cas := range []bool{false, true} {
		g := NewGenerator(Options{Concurrency: 9, OpsPerKey: 40, CAS: cas})
		o := g.Options()
		if o.KeysInFlight != 3 || o.ReadWeight != 1 || o.WriteWeight != 1 || (o.CASWeight == 1) != cas {
			t.Fatalf("cas=%v: defaults %+v", cas, o)
		}
		ops := drain(g, 1, 4000)
		perKey := map[string]int{}
		counts := map[string]int{}
		values := map[string]map[int64]bool{}
		for _, op := range ops {
			if op.Type != history.Invoke || !strings.HasPrefix(op.Key, "k") {
				t.Fatalf("bad op %+v", op)
			}
			perKey[op.Key]++
			counts[op.F]++
			if values[op.Key] == nil {
				values[op.Key] = map[int64]bool{}
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
				if !values[op.Key][v[0]] {
					t.Fatalf("cas %v on %s: old value never written there", v, op.Key)
				}
				fresh = v[1]
			default:
				t.Fatalf("unexpected f %q", op.F)
			}
			if values[op.Key][fresh] {
				t.Fatalf("value %d written twice to %s", fresh, op.Key)
			}
			values[op.Key][fresh] = true
		}
		for k, n := range perKey {
			if n > 40 {
				t.Fatalf("%s got %d ops > OpsPerKey", k, n)
			}
		}
		if (counts["cas"] > 0) != cas || counts["read"] == 0 || counts["write"] == 0 {
			t.Fatalf("cas=%v: counts %v", cas, counts)
		}
		keys := g.Keys()
		if len(keys) != len(perKey) || !slices.Contains(keys, "k0") {
			t.Fatalf("Keys %v, ops on %d keys", keys, len(perKey))
		}
	}
}

func TestGeneratorMaxKeysEnds(t *testing.T) {
	g := NewGenerator(Options{OpsPerKey: 5, KeysInFlight: 2, MaxKeys: 3})
	ops := drain(g, 2, 100)
	if len(ops) != 15 {
		t.Fatalf("3 keys x 5 ops: got %d ops", len(ops))
	}
	if _, ok := g.Next(rand.New(rand.NewPCG(1, 1)), 0); ok {
		t.Fatal("generator did not end")
	}
	if got := g.Keys(); !slices.Equal(got, []string{"k0", "k1", "k2"}) {
		t.Fatalf("Keys %v", got)
	}
}
