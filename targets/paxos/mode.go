package paxos

import "fmt"

// Mode picks the protocol variant.
type Mode string

const (
	// ModePaxos is CASPaxos as published: promises carry the acceptor's
	// accepted value and the proposer applies its change to the value with
	// the highest accepted ballot.
	ModePaxos Mode = "paxos"
	// ModeNaive is the textbook mistake, kept so that a harness has something
	// to catch: promises carry no accepted value, a proposer applies its
	// change to its own node's local acceptor copy, and reads (in the shell)
	// are served from that local copy without any round.
	ModeNaive Mode = "naive"
)

// ParseMode accepts "paxos" (also the empty string) and "naive".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", string(ModePaxos):
		return ModePaxos, nil
	case string(ModeNaive):
		return ModeNaive, nil
	}
	return "", fmt.Errorf("paxos: unknown mode %q (want paxos or naive)", s)
}
