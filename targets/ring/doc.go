// Package ring is consistent hashing with virtual nodes: the placement of
// the kv target's keys on its nodes.
//
// Contract:
//
//   - New(nodes, vnodes) puts vnodes points per node on a 64-bit ring; the
//     placement depends only on the set of node names, not their order.
//   - Replicas(key, n) walks clockwise from the key's hash and returns the
//     first n distinct nodes (all nodes when there are fewer than n). It is
//     deterministic: every node computes the same replicas for a key.
//   - Adding or removing one node moves only about 1/N of the keys'
//     primaries, and only to (or away from) that node.
//
// Example:
//
//	r := ring.New([]string{"n1", "n2", "n3", "n4", "n5"}, ring.DefaultVNodes)
//	r.Replicas("user:42", 3) // e.g. [n4 n1 n2]
package ring
