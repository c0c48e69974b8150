package nemesis

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("n%d", i+1)
	}
	return s
}

// sees is the naive oracle's view: the set of nodes a can talk to (itself
// included), i.e. nodes neither side drops.
func sees(g Grudge, nodes []string, a string) []string {
	var v []string
	for _, b := range nodes {
		if a == b || (!naiveDrops(g, a, b) && !naiveDrops(g, b, a)) {
			v = append(v, b)
		}
	}
	return v
}

// naiveDrops scans the raw lists, independent of Grudge.Drops.
func naiveDrops(g Grudge, a, b string) bool {
	for _, p := range g[a] {
		if p == b {
			return true
		}
	}
	return false
}

func checkWellFormed(t *testing.T, kind string, g Grudge, nodes []string) {
	t.Helper()
	for a, peers := range g {
		if !slices.Contains(nodes, a) {
			t.Fatalf("%s over %v: unknown node %q in %v", kind, nodes, a, g)
		}
		if len(peers) == 0 {
			t.Fatalf("%s: empty entry for %s in %v", kind, a, g)
		}
		if !slices.IsSorted(peers) {
			t.Fatalf("%s: unsorted %v", kind, peers)
		}
		for _, b := range peers {
			if b == a {
				t.Fatalf("%s: %s drops itself: %v", kind, a, g)
			}
			if !slices.Contains(nodes, b) {
				t.Fatalf("%s: unknown peer %q in %v", kind, b, g)
			}
			if !naiveDrops(g, b, a) {
				t.Fatalf("%s over %v: %s drops %s but not the reverse: %v", kind, nodes, a, b, g)
			}
		}
	}
}

// components returns the connected groups of the "sees" relation when it is
// an equivalence (complete grudges), as sorted string keys.
func partitionOf(g Grudge, nodes []string) map[string]bool {
	out := map[string]bool{}
	for _, a := range nodes {
		out[fmt.Sprint(sees(g, nodes, a))] = true
	}
	return out
}

func TestGrudgesAgainstOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 3 + rng.IntN(7) // 3..9
		nodes := shuffled(rng, names(n))
		majority := n/2 + 1

		// halves: two groups, sizes floor(n/2) and ceil(n/2), each a clique.
		for kind, g := range map[string]Grudge{"halves": Halves(nodes), "random-halves": RandomHalves(rng, nodes)} {
			checkWellFormed(t, kind, g, nodes)
			if got := partitionOf(g, nodes); len(got) != 2 {
				t.Fatalf("%s over %v: %d groups, want 2: %v", kind, nodes, len(got), g)
			}
			small, large := 0, 0
			for _, a := range nodes {
				switch len(sees(g, nodes, a)) {
				case n / 2:
					small++
				case n - n/2:
					large++
				default:
					t.Fatalf("%s over %v: %s sees %v", kind, nodes, a, sees(g, nodes, a))
				}
			}
			if n%2 == 1 && (small != n/2 || large != n-n/2) {
				t.Fatalf("%s over %v: sides %d/%d", kind, nodes, small, large)
			}
		}
		// halves keeps the given order: the first floor(n/2) are the minority.
		if h := Halves(nodes); !slices.Equal(sees(h, nodes, nodes[0]), nodes[:n/2]) {
			t.Fatalf("halves over %v: first node sees %v", nodes, sees(h, nodes, nodes[0]))
		}

		// isolate-one: exactly one node sees only itself; all others see n-1.
		g := IsolateOne(rng, nodes)
		checkWellFormed(t, "isolate-one", g, nodes)
		alone := 0
		for _, a := range nodes {
			switch len(sees(g, nodes, a)) {
			case 1:
				alone++
			case n - 1:
			default:
				t.Fatalf("isolate-one over %v: %s sees %v", nodes, a, sees(g, nodes, a))
			}
		}
		if alone != 1 {
			t.Fatalf("isolate-one over %v: %d isolated nodes", nodes, alone)
		}

		// majorities-ring: everyone sees a majority including itself, and
		// no two nodes see the same set.
		g = MajoritiesRing(rng, nodes)
		checkWellFormed(t, "majorities-ring", g, nodes)
		views := map[string]string{}
		for _, a := range nodes {
			v := sees(g, nodes, a)
			if len(v) < majority || !slices.Contains(v, a) {
				t.Fatalf("majorities-ring over %v: %s sees %v, not a majority: %v", nodes, a, v, g)
			}
			key := fmt.Sprint(v)
			if other, dup := views[key]; dup {
				t.Fatalf("majorities-ring over %v: %s and %s both see %v: %v", nodes, a, other, v, g)
			}
			views[key] = a
		}
		if g.Empty() {
			t.Fatalf("majorities-ring over %v cuts nothing", nodes)
		}

		// bridge: exactly one node sees all; the rest split into two cliques
		// that see each other only through it.
		g = Bridge(nodes)
		checkWellFormed(t, "bridge", g, nodes)
		full := 0
		for _, a := range nodes {
			if len(sees(g, nodes, a)) == n {
				full++
			}
		}
		if full != 1 {
			t.Fatalf("bridge over %v: %d nodes see all, want 1: %v", nodes, full, g)
		}
		if g.Empty() {
			t.Fatalf("bridge over %v cuts nothing", nodes)
		}
	}
}

func TestCompleteExample(t *testing.T) {
	g := Complete([][]string{{"n1", "n2"}, {"n3"}, {"n4", "n5"}})
	want := Grudge{
		"n1": {"n3", "n4", "n5"}, "n2": {"n3", "n4", "n5"},
		"n3": {"n1", "n2", "n4", "n5"},
		"n4": {"n1", "n2", "n3"}, "n5": {"n1", "n2", "n3"},
	}
	b, _ := json.Marshal(g)
	w, _ := json.Marshal(want)
	if string(b) != string(w) {
		t.Fatalf("Complete = %s, want %s", b, w)
	}
}

func TestBridgeFiveNodes(t *testing.T) {
	g := Bridge(names(5))
	want := `{"n1":["n4","n5"],"n2":["n4","n5"],"n4":["n1","n2"],"n5":["n1","n2"]}`
	if b, _ := json.Marshal(g); string(b) != want {
		t.Fatalf("Bridge(n1..n5) = %s, want %s", b, want)
	}
}

func TestGrudgesDeterministic(t *testing.T) {
	for _, kind := range GrudgeKinds() {
		a, err := MakeGrudge(kind, rand.New(rand.NewPCG(7, 7)), names(7))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := MakeGrudge(kind, rand.New(rand.NewPCG(7, 7)), names(7))
		if a.String() != b.String() {
			t.Fatalf("%s: same seed, different grudges: %v vs %v", kind, a, b)
		}
	}
	if _, err := MakeGrudge("split-brain", nil, names(3)); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

func TestSmallClusters(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	if g := MajoritiesRing(rng, names(2)); !g.Empty() {
		t.Fatalf("majorities-ring of 2 = %v, want no cuts", g)
	}
	if g := Bridge(names(1)); !g.Empty() {
		t.Fatalf("bridge of 1 = %v", g)
	}
	if g := IsolateOne(rng, nil); !g.Empty() {
		t.Fatalf("isolate-one of none = %v", g)
	}
}
