package session

import (
	"math/rand/v2"
	"testing"
)

// reach is the set of nodes reachable from v by edges of c's guarantee g.
func reach(c *constraints, g guarantee, v int32) map[int32]bool {
	adj := map[int32][]int32{}
	for _, e := range c.parts[g.index()].edges {
		adj[e.from] = append(adj[e.from], e.to)
	}
	seen := map[int32]bool{}
	stack := []int32{v}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range adj[u] {
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return seen
}

// TestUpTree: a write reaches a query's target through the tree exactly
// when it is in the query's range, for every size and range.
func TestUpTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for n := int32(1); n <= 40; n++ {
		writes := make([]int32, n)
		for i := range writes {
			writes[i] = int32(i)
		}
		c := &constraints{nodes: n}
		type q struct{ l, r, target int32 }
		var qs []q
		for range 8 {
			l := rng.Int32N(n + 1)
			r := l + rng.Int32N(n-l+1)
			qs = append(qs, q{l, r, c.aux(1)}) // targets outside the tree
		}
		tree := c.upTree(writes)
		for _, x := range qs {
			tree.query(c, x.l, x.r, x.target, reason{g: gRYW})
		}
		for i := range n {
			got := reach(c, gRYW, i)
			for j := range n {
				if got[j] {
					t.Fatalf("n %d: write %d reaches write %d", n, i, j)
				}
			}
			for _, x := range qs {
				if want := x.l <= i && i < x.r; got[x.target] != want {
					t.Fatalf("n %d, write %d, range [%d,%d): reaches %v, want %v", n, i, x.l, x.r, got[x.target], want)
				}
			}
		}
	}
}

// TestCycle: the cycle reported is a shortest one through the lowest
// write on the cycle found, edges in order.
func TestCycle(t *testing.T) {
	g := func(nodes int32, edges ...[2]int32) *graph {
		c := &constraints{nodes: nodes}
		for _, e := range edges {
			c.add(gMW, e[0], e[1], reason{g: gMW})
		}
		k := &keyHist{writes: make([]write, nodes)}
		return c.graph(k, gMW)
	}
	if cyc := g(3, [2]int32{0, 1}, [2]int32{1, 2}, [2]int32{0, 2}).cycle(); cyc != nil {
		t.Errorf("acyclic graph: cycle %v", cyc)
	}
	// 1 -> 2 -> 3 -> 1 and the shortcut 1 -> 3; 0 feeds the cycle.
	cyc := g(4, [2]int32{0, 1}, [2]int32{1, 2}, [2]int32{2, 3}, [2]int32{3, 1}, [2]int32{1, 3}).cycle()
	if len(cyc) != 2 || cyc[0].from != 1 || cyc[0].to != 3 || cyc[1].from != 3 || cyc[1].to != 1 {
		t.Errorf("cycle %v, want 1->3->1", cyc)
	}
	if cyc := g(2, [2]int32{1, 1}).cycle(); len(cyc) != 1 || cyc[0].from != 1 {
		t.Errorf("self loop: %v", cyc)
	}
}
