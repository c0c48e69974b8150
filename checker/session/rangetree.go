package session

// upTree is an iterative segment tree over one session's writes, for
// read-your-writes' "every write of this range is before w": its
// auxiliary nodes have edges from their two children to themselves, so a
// write reaches a tree node exactly when it is in the node's range, and
// a range [l, r) is the union of O(log n) nodes' ranges (the bottom-up
// decomposition, right for any n: the nodes' ranges partition it). Its
// edges only climb, and leave the tree only by a query's edge to a
// write, so every path from a write through the tree to a write is a
// constraint some query asked for.
type upTree struct {
	n      int32
	base   int32   // the auxiliary node of tree index i (1 <= i < n) is base+i
	leaves []int32 // tree index n+i is the session's write i
}

func (c *constraints) upTree(writes []int32) upTree {
	n := int32(len(writes))
	t := upTree{n: n, leaves: writes}
	if n < 2 {
		return t
	}
	t.base = c.aux(int(n)) // tree index 0 is unused
	for i := int32(1); i < n; i++ {
		for _, ch := range [2]int32{2 * i, 2*i + 1} {
			if ch < 2*n {
				c.add(gRYW, t.node(ch), t.node(i), reason{})
			}
		}
	}
	return t
}

// node is the graph node of tree index i.
func (t upTree) node(i int32) int32 {
	if i >= t.n {
		return t.leaves[i-t.n]
	}
	return t.base + i
}

// query adds "every write in [l, r) is before target", for reason r.
func (t upTree) query(c *constraints, l, r, target int32, why reason) {
	for l, r = l+t.n, r+t.n; l < r; l, r = l>>1, r>>1 {
		if l&1 == 1 {
			c.add(gRYW, t.node(l), target, why)
			l++
		}
		if r&1 == 1 {
			r--
			c.add(gRYW, t.node(r), target, why)
		}
	}
}
