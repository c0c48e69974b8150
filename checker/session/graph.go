package session

import "slices"

// graph is the union of some guarantees' constraints on one key, with
// each node's out-edges together.
type graph struct {
	nodes  int32
	writes int32   // nodes below this are writes
	start  []int32 // node v's out-edges are edges[start[v]:start[v+1]]
	edges  []edge
}

// graph returns the union of the constraints of guarantees gs.
func (c *constraints) graph(k *keyHist, gs guarantee) *graph {
	g := &graph{nodes: c.nodes, writes: int32(len(k.writes)), start: make([]int32, c.nodes+1)}
	n := 0
	for i := range nGuarantees {
		if gs&(1<<i) != 0 {
			n += len(c.parts[i].edges)
		}
	}
	g.edges = make([]edge, n)
	for i := range nGuarantees {
		if gs&(1<<i) != 0 {
			for _, e := range c.parts[i].edges {
				g.start[e.from+1]++
			}
		}
	}
	for v := int32(0); v < c.nodes; v++ {
		g.start[v+1] += g.start[v]
	}
	fill := slices.Clone(g.start[:c.nodes])
	for i := range nGuarantees {
		if gs&(1<<i) != 0 {
			for _, e := range c.parts[i].edges {
				g.edges[fill[e.from]] = e
				fill[e.from]++
			}
		}
	}
	return g
}

// cycle returns a cycle of g as its edges, in order, starting at a write,
// or nil when g is acyclic: when no order of the writes satisfies every
// constraint. Kahn's algorithm decides; the cycle reported is a shortest
// one through the lowest write that the search can show on a cycle, the
// same for the same graph every time.
func (g *graph) cycle() []edge {
	indeg := make([]int32, g.nodes)
	for _, e := range g.edges {
		indeg[e.to]++
	}
	queue := make([]int32, 0, g.nodes)
	for v := int32(0); v < g.nodes; v++ {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	for i := 0; i < len(queue); i++ {
		v := queue[i]
		for _, e := range g.edges[g.start[v]:g.start[v+1]] {
			if indeg[e.to]--; indeg[e.to] == 0 {
				queue = append(queue, e.to)
			}
		}
	}
	if len(queue) == int(g.nodes) {
		return nil
	}
	// The nodes left each have an edge from a node left: walking those
	// edges backwards from any of them must come round.
	left := make([]bool, g.nodes)
	for v := range left {
		left[v] = indeg[v] > 0
	}
	pred := make([]int32, g.nodes) // one edge (index) into each node left, from a node left
	for i := range pred {
		pred[i] = -1
	}
	for v := int32(0); v < g.nodes; v++ {
		if !left[v] {
			continue
		}
		for i := g.start[v]; i < g.start[v+1]; i++ {
			if to := g.edges[i].to; left[to] && pred[to] < 0 {
				pred[to] = i
			}
		}
	}
	from := make([]int32, len(g.edges)) // the tail of each edge, by edge index
	for v := int32(0); v < g.nodes; v++ {
		for i := g.start[v]; i < g.start[v+1]; i++ {
			from[i] = v
		}
	}
	v := int32(0)
	for !left[v] {
		v++
	}
	step := make([]int32, g.nodes) // 1 + the step of the walk that reached v, 0 unvisited
	for n := int32(1); step[v] == 0; n++ {
		step[v] = n
		v = from[pred[v]]
	}
	// v is on a cycle; so is every node of the walk after it. Report the
	// shortest cycle through the lowest write on it.
	start, u := int32(-1), v
	for {
		if u < g.writes && (start < 0 || u < start) {
			start = u
		}
		if u = from[pred[u]]; u == v {
			break
		}
	}
	if start < 0 {
		start = v // unreachable: every cycle holds a write
	}
	return g.shortestCycle(start, left)
}

// shortestCycle is a shortest cycle through s among the nodes in, by a
// breadth-first search from s.
func (g *graph) shortestCycle(s int32, in []bool) []edge {
	via := make([]int32, g.nodes) // the edge that reached each node, -1 none
	for i := range via {
		via[i] = -1
	}
	tail := make(map[int32]int32) // edge index -> its from, for the edges used
	queue := []int32{s}
	for qi := 0; qi < len(queue); qi++ {
		v := queue[qi]
		for i := g.start[v]; i < g.start[v+1]; i++ {
			e := g.edges[i]
			if !in[e.to] {
				continue
			}
			if e.to == s {
				tail[i] = v
				var cyc []edge
				for j := i; ; {
					cyc = append(cyc, g.edges[j])
					f := tail[j]
					if f == s {
						break
					}
					j = via[f]
				}
				slices.Reverse(cyc)
				return cyc
			}
			if via[e.to] < 0 {
				via[e.to] = i
				tail[i] = v
				queue = append(queue, e.to)
			}
		}
	}
	return nil
}
