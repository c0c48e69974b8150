package paxos

import "fmt"

// Ballot orders proposals. Ballots are totally ordered by Counter, then by
// Node; two proposers never share a Node, and a proposer never reuses a
// Counter for the same key, also across restarts (Ballots does this, given
// a durable boot epoch).
//
// The zero Ballot is smaller than every ballot a proposer uses; it means
// "nothing promised" or "nothing accepted".
type Ballot struct {
	Counter uint64 `json:"c"`
	Node    string `json:"n,omitempty"`
}

// Compare returns -1, 0 or +1 as b is less than, equal to or greater than o.
func (b Ballot) Compare(o Ballot) int {
	switch {
	case b.Counter < o.Counter:
		return -1
	case b.Counter > o.Counter:
		return 1
	case b.Node < o.Node:
		return -1
	case b.Node > o.Node:
		return 1
	}
	return 0
}

// Less reports whether b orders before o.
func (b Ballot) Less(o Ballot) bool { return b.Compare(o) < 0 }

// IsZero reports whether b is the zero ballot.
func (b Ballot) IsZero() bool { return b.Counter == 0 && b.Node == "" }

// Max returns the greater of b and o.
func (b Ballot) Max(o Ballot) Ballot {
	if b.Less(o) {
		return o
	}
	return b
}

func (b Ballot) String() string {
	if b.IsZero() {
		return "0"
	}
	return fmt.Sprintf("%d.%s", b.Counter, b.Node)
}

// EpochBits is how many low bits of a Counter carry the proposer's boot
// epoch.
const EpochBits = 24

// Ballots hands out one node's ballots. Counter is seq<<EpochBits | epoch:
// within a boot seq strictly increases, and ballots of different boots differ
// in their low bits, so a node that restarts with a new durable epoch never
// reuses a ballot, even after adopting a higher counter from a rejection
// (reusing one would let two values be accepted at the same ballot).
// Epochs wrap after 2^EpochBits boots.
//
// Ballots is not safe for concurrent use.
type Ballots struct {
	node  string
	epoch uint64
	seq   uint64
}

// NewBallots returns the generator of node for boot epoch (>= 1).
func NewBallots(node string, epoch uint64) *Ballots {
	return &Ballots{node: node, epoch: epoch & (1<<EpochBits - 1)}
}

// Next returns a fresh ballot greater than above and than every ballot this
// generator returned before.
func (g *Ballots) Next(above Ballot) Ballot {
	g.seq = max(g.seq, above.Counter>>EpochBits) + 1
	return Ballot{Counter: g.seq<<EpochBits | g.epoch, Node: g.node}
}
