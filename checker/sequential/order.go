package sequential

import (
	"slices"

	"github.com/faultline/faultline/history"
)

// edge says that chain from must come before chain to, because a process
// did op x (in from) and then op y (in to).
type edge struct {
	from, to int32 // chains, named by their first block
	x, y     int32 // ops
}

// order walks every process's ops that happened in program order. An
// info op comes after the ok ops its process did before it, but nothing
// of its process need come after it: the process did not wait for it
// (as linearizability has it end at the end of time), so program order
// is each process's chain of ok ops with its info ops hanging off it.
// For each pair x then y of that order, x the ok op last before y (the
// ops between them did not happen, or are info), the block of x must
// not come after the block of y; that is all program order asks of an
// order of blocks, the rest following by transitivity. Same block: x
// must not be a read with y the block's write (read-before-write; x the
// write and y a read, or both reads, are fine: a block's reads go in any
// order after its write). Same chain: the chain fixes the order of its
// blocks, so x's must be at or before y's, or there is a cycle through
// the cas that glue them. The chain of the initial value comes first, so
// nothing outside it may come before it. Any other pair is an edge
// between two chains, for acyclic.
func (c *keyCheck) order() *Witness {
	last := map[history.Process]int32{} // the last ok op of each process
	for i, o := range c.ops {
		if !c.happened[i] {
			continue
		}
		y := int32(i)
		if x, ok := last[o.proc]; ok {
			if w := c.pair(x, y); w != nil {
				return w
			}
		}
		if !o.info {
			last[o.proc] = y
		}
	}
	return nil
}

// pair checks, or records as an edge, that x comes before y.
func (c *keyCheck) pair(x, y int32) *Witness {
	bx, by := c.block[x], c.block[y]
	if bx == by {
		if c.ops[y].kind != opRead {
			return c.readBeforeWrite(x, y)
		}
		return nil
	}
	cx, cy := c.chain[bx], c.chain[by]
	switch {
	case cx == cy && c.pos[bx] > c.pos[by]:
		return c.cycle([]step{{x: x, y: y}}, false)
	case cx == cy:
		return nil
	case cy == c.chain[0]:
		return c.cycle([]step{{x: x, y: y}}, true)
	}
	c.edges = append(c.edges, edge{from: cx, to: cy, x: x, y: y})
	return nil
}

// acyclic orders the chains by the edges (Kahn's algorithm). The chains
// can be put in one order that every edge agrees with, the initial
// value's first (nothing comes before it: see pair), iff the graph has no
// cycle; a cycle is returned as a witness, the shortest through the first
// chain (by its block) that lies on one.
func (c *keyCheck) acyclic() *Witness {
	nb := int32(len(c.blockWriter))
	out := csr(nb, c.edges, func(e edge) int32 { return e.from })
	indeg := make([]int32, nb)
	for _, e := range c.edges {
		indeg[e.to]++
	}
	queue := make([]int32, 0, nb)
	for b := range nb {
		if c.chain[b] == b && indeg[b] == 0 {
			queue = append(queue, b)
		}
	}
	for len(queue) > 0 {
		u := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, e := range out.of(u) {
			v := c.edges[e].to
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
	// Left: the chains on a cycle or after one. Each has an edge from
	// another left (the ones taken off took their edges with them), so
	// walking edges backwards from one of them comes back to a chain on a
	// cycle; the shortest cycle through it is found forwards.
	left := func(b int32) bool { return indeg[b] > 0 }
	start := int32(-1)
	for b := range nb {
		if c.chain[b] == b && left(b) {
			start = b
			break
		}
	}
	if start == -1 {
		return nil
	}
	in := csr(nb, c.edges, func(e edge) int32 { return e.to })
	seen := make([]bool, nb)
	u := start
	for !seen[u] {
		seen[u] = true
		for _, e := range in.of(u) {
			if from := c.edges[e].from; left(from) {
				u = from
				break
			}
		}
	}
	return c.cycle(c.shortestCycle(u, out, left), false)
}

// shortestCycle is a shortest cycle of edges from chain s back to s,
// through chains for which ok holds, as steps.
func (c *keyCheck) shortestCycle(s int32, out csrIndex, ok func(int32) bool) []step {
	via := map[int32]int32{} // chain -> the edge first reaching it
	queue := []int32{s}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range out.of(u) {
			v := c.edges[e].to
			if !ok(v) {
				continue
			}
			if _, reached := via[v]; reached {
				continue
			}
			via[v] = e
			if v == s {
				var path []step
				for x := s; ; {
					e := c.edges[via[x]]
					path = append(path, step{x: e.x, y: e.y})
					if x = e.from; x == s {
						break
					}
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, v)
		}
	}
	panic("sequential: no cycle through a chain on a cycle")
}

// csrIndex lists the edges of each chain, compressed.
type csrIndex struct {
	start []int32 // per chain: where its edges begin in ids
	ids   []int32
}

func (x csrIndex) of(b int32) []int32 { return x.ids[x.start[b]:x.start[b+1]] }

// csr indexes edges by the chain key picks, keeping their order.
func csr(n int32, edges []edge, key func(edge) int32) csrIndex {
	x := csrIndex{start: make([]int32, n+1), ids: make([]int32, len(edges))}
	for _, e := range edges {
		x.start[key(e)+1]++
	}
	for i := range n {
		x.start[i+1] += x.start[i]
	}
	fill := slices.Clone(x.start[:n])
	for i, e := range edges {
		k := key(e)
		x.ids[fill[k]] = int32(i)
		fill[k]++
	}
	return x
}
