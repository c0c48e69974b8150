package paxos

import "fmt"

// Ballot orders proposals. Ballots are totally ordered by Counter, then by
// Node; two proposers never share a Node, and a proposer never reuses a
// Counter for the same key (the shell guarantees this across restarts, e.g.
// with a durable boot epoch in the high bits of Counter).
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
