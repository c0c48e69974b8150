package kv

import "fmt"

// Mode is a named consistency configuration of the kv target.
type Mode string

const (
	// ModeQuorum: W=2, R=2 of 3 replicas, last-write-wins on the node
	// clock, read repair and anti-entropy. Not linearizable.
	ModeQuorum Mode = "quorum"
	// ModeSerial: every operation on a key is a CASPaxos round among the
	// key's replicas. Linearizable; supports cas.
	ModeSerial Mode = "serial"
	// ModeAll: W=3, R=1, last-write-wins.
	ModeAll Mode = "all"
	// ModeOne: one replica acks a write and answers a read; anti-entropy
	// and read repair converge the others later.
	ModeOne Mode = "one"
	// ModeOneNoRepair: ModeOne with anti-entropy and read repair off. It
	// never converges after a partition and exists to be caught.
	ModeOneNoRepair Mode = "one-no-repair"
	// ModeSession: ModeOne with client sessions: a read carries the
	// session's minimum version of the key and is answered only by a
	// replica at least that new; a write is stamped above that minimum.
	// Not linearizable; read-your-writes, monotonic reads, monotonic
	// writes and writes-follow-reads hold per key; converges.
	ModeSession Mode = "session"
)

// Modes lists every mode, the default first (as Target declares them).
func Modes() []string { return modes.Names() }

// ParseMode accepts a mode name; "" is the default mode (serial).
func ParseMode(s string) (Mode, error) {
	m, err := modes.Lookup(s)
	if err != nil {
		return "", fmt.Errorf("kv: %w", err)
	}
	return Mode(m.Name), nil
}

// Serial reports whether operations go through Paxos.
func (m Mode) Serial() bool { return m == ModeSerial }

// Repairs reports whether anti-entropy and read repair run.
func (m Mode) Repairs() bool { return m != ModeOneNoRepair }

// Single reports whether one replica acknowledges a write (tried in
// turn, this node first) rather than W of them in parallel.
func (m Mode) Single() bool {
	return m == ModeOne || m == ModeOneNoRepair || m == ModeSession
}

// Session reports whether the mode keeps client sessions (minimum
// versions on reads and writes).
func (m Mode) Session() bool { return m == ModeSession }

// W is how many of n replicas must acknowledge a last-write-wins write.
func (m Mode) W(n int) int {
	switch m {
	case ModeAll:
		return n
	case ModeOne, ModeOneNoRepair, ModeSession:
		return min(1, n)
	}
	return n/2 + 1
}

// R is how many of n replicas must answer a last-write-wins read.
func (m Mode) R(n int) int {
	switch m {
	case ModeQuorum:
		return n/2 + 1
	}
	return min(1, n)
}
