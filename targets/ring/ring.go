package ring

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// DefaultVNodes is the number of virtual nodes per node.
const DefaultVNodes = 64

// point is one virtual node.
type point struct {
	h    uint64
	node string
}

// Ring places keys on nodes. It is immutable and safe for concurrent use.
type Ring struct {
	nodes []string // sorted, distinct
	// points is sorted by h (ties by node, so the order is total).
	points []point
}

// New returns the ring of nodes (duplicates ignored) with vnodes virtual
// nodes each (DefaultVNodes when vnodes < 1).
func New(nodes []string, vnodes int) *Ring {
	if vnodes < 1 {
		vnodes = DefaultVNodes
	}
	r := &Ring{nodes: slices.Compact(slices.Sorted(slices.Values(nodes)))}
	for _, n := range r.nodes {
		for i := range vnodes {
			r.points = append(r.points, point{h: Hash(n + "#" + strconv.Itoa(i)), node: n})
		}
	}
	slices.SortFunc(r.points, func(a, b point) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		case a.node < b.node:
			return -1
		case a.node > b.node:
			return 1
		}
		return 0
	})
	return r
}

// Nodes returns the ring's nodes, sorted.
func (r *Ring) Nodes() []string { return slices.Clone(r.nodes) }

// Replicas returns the first n distinct nodes clockwise from key's hash:
// the key's primary first. It returns every node when there are fewer than
// n, and nil for an empty ring.
func (r *Ring) Replicas(key string, n int) []string {
	if len(r.points) == 0 || n < 1 {
		return nil
	}
	n = min(n, len(r.nodes))
	h := Hash(key)
	i, _ := slices.BinarySearchFunc(r.points, h, func(p point, h uint64) int {
		switch {
		case p.h < h:
			return -1
		case p.h > h:
			return 1
		}
		return 0
	})
	out := make([]string, 0, n)
	for j := 0; len(out) < n; j++ {
		node := r.points[(i+j)%len(r.points)].node
		if !slices.Contains(out, node) {
			out = append(out, node)
		}
	}
	return out
}

// Primary is the key's first replica ("" for an empty ring).
func (r *Ring) Primary(key string) string {
	if rs := r.Replicas(key, 1); len(rs) > 0 {
		return rs[0]
	}
	return ""
}

// IsReplica reports whether node is among key's first n replicas.
func (r *Ring) IsReplica(key, node string, n int) bool {
	return slices.Contains(r.Replicas(key, n), node)
}

// Hash is the ring's hash: 64-bit FNV-1a followed by a finalizer that
// spreads similar strings ("n1#0", "n1#1") over the whole ring.
func Hash(s string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(s))
	x := f.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
