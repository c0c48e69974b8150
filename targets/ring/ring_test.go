package ring_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/faultline/faultline/targets/ring"
)

func nodes(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("n%d", i))
	}
	return out
}

func keys(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("key-%d", i))
	}
	return out
}

func TestReplicasDistinctDeterministicOrderFree(t *testing.T) {
	r := ring.New(nodes(5), ring.DefaultVNodes)
	shuffled := nodes(5)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	r2 := ring.New(append(shuffled, "n3"), ring.DefaultVNodes) // order and duplicates do not matter
	for _, k := range keys(2000) {
		rs := r.Replicas(k, 3)
		if len(rs) != 3 || len(slices.Compact(slices.Sorted(slices.Values(rs)))) != 3 {
			t.Fatalf("Replicas(%q, 3) = %v, want 3 distinct nodes", k, rs)
		}
		if !slices.Equal(rs, r2.Replicas(k, 3)) || !slices.Equal(rs, r.Replicas(k, 3)) {
			t.Fatalf("Replicas(%q) differs between rings of the same nodes: %v vs %v", k, rs, r2.Replicas(k, 3))
		}
		if r.Primary(k) != rs[0] || !r.IsReplica(k, rs[2], 3) {
			t.Fatalf("Primary/IsReplica disagree with Replicas %v", rs)
		}
		// A prefix property: the first 2 replicas are the first 2 of 3.
		if !slices.Equal(r.Replicas(k, 2), rs[:2]) {
			t.Fatalf("Replicas(%q, 2) = %v, not a prefix of %v", k, r.Replicas(k, 2), rs)
		}
	}
	if got := ring.New(nodes(2), 8).Replicas("x", 3); len(got) != 2 {
		t.Fatalf("2-node ring gave %v for 3 replicas, want both nodes", got)
	}
	if got := ring.New(nil, 8).Replicas("x", 3); got != nil {
		t.Fatalf("empty ring gave %v", got)
	}
}

func TestBalance(t *testing.T) {
	const n, total = 5, 10000
	r := ring.New(nodes(n), ring.DefaultVNodes)
	primary := map[string]int{}
	replica := map[string]int{}
	for _, k := range keys(total) {
		rs := r.Replicas(k, 3)
		primary[rs[0]]++
		for _, x := range rs {
			replica[x]++
		}
	}
	// With 64 virtual nodes each node's share stays within 40% of the fair
	// 1/5 (a single point per node is typically off by far more).
	for _, node := range nodes(n) {
		share := float64(primary[node]) / total
		if share < 0.6/n || share > 1.4/n {
			t.Errorf("node %s is primary for %.3f of the keys, want within 40%% of %.3f (all: %v)", node, share, 1.0/n, primary)
		}
		rshare := float64(replica[node]) / (3 * total)
		if rshare < 0.6/n || rshare > 1.4/n {
			t.Errorf("node %s holds %.3f of the replicas, want within 40%% of %.3f (all: %v)", node, rshare, 1.0/n, replica)
		}
	}
	t.Logf("primaries per node over %d keys: %v", total, primary)
}

// naivePrimary is the oracle of what not to be: hash modulo node count.
func naivePrimary(ns []string, key string) string { return ns[ring.Hash(key)%uint64(len(ns))] }

func TestFewKeysMoveOnMembershipChange(t *testing.T) {
	const total = 10000
	five, six := nodes(5), nodes(6)
	r5, r6 := ring.New(five, ring.DefaultVNodes), ring.New(six, ring.DefaultVNodes)
	moved, naiveMoved := 0, 0
	for _, k := range keys(total) {
		a, b := r5.Primary(k), r6.Primary(k)
		if a != b {
			moved++
			if b != "n6" {
				t.Fatalf("adding n6 moved key %q from %s to %s; keys may only move to the new node", k, a, b)
			}
		}
		if naivePrimary(five, k) != naivePrimary(six, k) {
			naiveMoved++
		}
	}
	frac, naive := float64(moved)/total, float64(naiveMoved)/total
	t.Logf("adding a 6th node moved %.3f of primaries (ideal 1/6 = %.3f); modulo hashing moved %.3f", frac, 1.0/6, naive)
	if frac > 0.3 || frac < 0.05 {
		t.Errorf("adding a node moved %.3f of the primaries, want about 1/6", frac)
	}
	if naive < 0.6 {
		t.Fatalf("oracle broken: modulo hashing moved only %.3f", naive)
	}
	if frac*2 > naive {
		t.Errorf("consistent hashing moved %.3f, not clearly fewer than modulo's %.3f", frac, naive)
	}

	// Removing n3: only n3's keys move; every replica set changes by at
	// most the removed node being replaced.
	four := []string{"n1", "n2", "n4", "n5"}
	r4 := ring.New(four, ring.DefaultVNodes)
	removed := 0
	for _, k := range keys(total) {
		before, after := r5.Replicas(k, 3), r4.Replicas(k, 3)
		if before[0] != after[0] {
			removed++
			if before[0] != "n3" {
				t.Fatalf("removing n3 moved key %q from %s to %s", k, before[0], after[0])
			}
		}
		var kept []string
		for _, x := range before {
			if x != "n3" {
				kept = append(kept, x)
			}
		}
		for _, x := range kept {
			if !slices.Contains(after, x) {
				t.Fatalf("removing n3 changed replicas of %q from %v to %v beyond replacing n3", k, before, after)
			}
		}
	}
	if f := float64(removed) / total; f > 0.35 || f < 0.05 {
		t.Errorf("removing a node moved %.3f of primaries, want about 1/5", f)
	}
}
