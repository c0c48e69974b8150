package nemesis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Grudge is a partition as data: node -> the nodes whose packets it drops.
// Nodes that drop nothing are absent. Every grudge built here is symmetric
// (a drops b exactly when b drops a) and its lists are sorted, so its JSON
// form is stable and the report can draw exactly what was applied.
type Grudge map[string][]string

// Drops reports whether node a drops packets from node b.
func (g Grudge) Drops(a, b string) bool {
	return slices.Contains(g[a], b)
}

// Empty reports whether the grudge cuts nothing.
func (g Grudge) Empty() bool {
	for _, peers := range g {
		if len(peers) > 0 {
			return false
		}
	}
	return true
}

// String renders the grudge one node per clause, sorted: "n1 drops n3,n4; n2 drops ...".
func (g Grudge) String() string {
	names := make([]string, 0, len(g))
	for n, peers := range g {
		if len(peers) > 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " drops " + strings.Join(g[n], ",")
	}
	if len(parts) == 0 {
		return "(no cuts)"
	}
	return strings.Join(parts, "; ")
}

// normalize sorts every list, removes duplicates and drops empty entries.
func (g Grudge) normalize() Grudge {
	out := Grudge{}
	for n, peers := range g {
		p := slices.Clone(peers)
		slices.Sort(p)
		p = slices.Compact(p)
		if len(p) > 0 {
			out[n] = p
		}
	}
	return out
}

// Complete cuts every node off from every node in a different component:
// nodes inside one component still see each other.
func Complete(components [][]string) Grudge {
	g := Grudge{}
	for i, c := range components {
		for j, other := range components {
			if i == j {
				continue
			}
			for _, n := range c {
				g[n] = append(g[n], other...)
			}
		}
	}
	return g.normalize()
}

// bisect splits nodes into the first floor(n/2) and the rest (Jepsen's
// bisect), so the second half is the larger one for odd n.
func bisect(nodes []string) (a, b []string) {
	h := len(nodes) / 2
	return slices.Clone(nodes[:h]), slices.Clone(nodes[h:])
}

// shuffled returns a copy of nodes in an order drawn from rng.
func shuffled(rng *rand.Rand, nodes []string) []string {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}

// Halves cuts the nodes, in the given order, into a minority (the first
// floor(n/2)) and a majority (the rest).
func Halves(nodes []string) Grudge {
	a, b := bisect(nodes)
	return Complete([][]string{a, b})
}

// RandomHalves is Halves over an order drawn from rng.
func RandomHalves(rng *rand.Rand, nodes []string) Grudge {
	return Halves(shuffled(rng, nodes))
}

// IsolateOne cuts one node, drawn from rng, off from all the others.
func IsolateOne(rng *rand.Rand, nodes []string) Grudge {
	if len(nodes) == 0 {
		return Grudge{}
	}
	i := rng.IntN(len(nodes))
	rest := slices.Concat(nodes[:i], nodes[i+1:])
	return Complete([][]string{{nodes[i]}, rest})
}

// MajoritiesRing gives every node a view of a majority of the cluster
// (itself included), but no two nodes the same majority (Jepsen's
// majorities-ring). The nodes are placed on a ring in an order drawn from
// rng; each sees the nodes within ring distance k of itself, with k the
// smallest radius whose window 2k+1 holds a majority. Drops are symmetric
// because ring distance is. For 3 nodes the ring window would be the whole
// cluster, so the ring is opened into a line a-b-c: views {a,b}, {a,b,c},
// {b,c}. Fewer than 3 nodes have no two distinct majorities: no cuts.
func MajoritiesRing(rng *rand.Rand, nodes []string) Grudge {
	n := len(nodes)
	if n < 3 {
		return Grudge{}
	}
	ring := shuffled(rng, nodes)
	if n == 3 {
		return Grudge{ring[0]: {ring[2]}, ring[2]: {ring[0]}}.normalize()
	}
	majority := n/2 + 1
	k := majority / 2 // = ceil((majority-1)/2): the window 2k+1 holds a majority, and < n
	g := Grudge{}
	for i, a := range ring {
		for j, b := range ring {
			d := (i - j + n) % n
			d = min(d, n-d)
			if d > k {
				g[a] = append(g[a], b)
			}
		}
	}
	return g.normalize()
}

// Bridge cuts the nodes, in the given order, into two halves joined by one
// bridge node that sees both (Jepsen's bridge): the halves are bisect's, and
// the bridge is the first node of the second half. For 3 or more nodes
// exactly one node (the bridge) sees every node.
func Bridge(nodes []string) Grudge {
	a, b := bisect(nodes)
	if len(b) == 0 {
		return Grudge{}
	}
	bridge := b[0]
	g := Complete([][]string{a, b})
	delete(g, bridge)
	for n, peers := range g {
		g[n] = slices.DeleteFunc(peers, func(p string) bool { return p == bridge })
	}
	return g.normalize()
}

// GrudgeKinds lists the grudge kinds MakeGrudge knows, in a fixed order.
func GrudgeKinds() []string {
	return []string{"halves", "random-halves", "isolate-one", "majorities-ring", "bridge"}
}

// MakeGrudge builds the grudge of the named kind over nodes. Kinds that take
// an order (halves, bridge) use nodes as given; the others draw from rng.
func MakeGrudge(kind string, rng *rand.Rand, nodes []string) (Grudge, error) {
	switch kind {
	case "halves":
		return Halves(nodes), nil
	case "random-halves":
		return RandomHalves(rng, nodes), nil
	case "isolate-one":
		return IsolateOne(rng, nodes), nil
	case "majorities-ring":
		return MajoritiesRing(rng, nodes), nil
	case "bridge":
		return Bridge(nodes), nil
	}
	return nil, fmt.Errorf("nemesis: unknown grudge kind %q (known: %s)", kind, strings.Join(GrudgeKinds(), ", "))
}
