package paxos

import (
	"bytes"
	"fmt"
)

// Phase is where a proposer Round stands.
type Phase int

const (
	// Preparing: Prepare sent, collecting promises.
	Preparing Phase = iota
	// Accepting: a quorum promised and the change was applied; the shell
	// must call Accept and send the result to every acceptor.
	Accepting
	// Decided: a quorum accepted (or, for a change that leaves a value
	// already chosen unchanged, a quorum promised and agreed on it). The
	// operation took effect.
	Decided
	// Rejected: acceptors refused the ballot so that no quorum is possible.
	// If AcceptSent is false the operation definitely did not take effect
	// and may be retried with a ballot above Highest; if true it may have.
	Rejected
	// Aborted: the change function returned an error (e.g. a cas whose old
	// value does not match). Nothing was sent in phase 2: definite.
	Aborted
)

func (p Phase) String() string {
	switch p {
	case Preparing:
		return "preparing"
	case Accepting:
		return "accepting"
	case Decided:
		return "decided"
	case Rejected:
		return "rejected"
	case Aborted:
		return "aborted"
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// ChangeFunc computes a key's next value from its current one (nil when the
// key has no value). It must be a pure function of current: a Round calls it
// at most once, but the shell may retry the operation in a new Round.
// Returning an error aborts the round before phase 2.
type ChangeFunc func(current []byte) (next []byte, err error)

// Round is one proposer attempt at one operation on one key: the
// deterministic core of a CASPaxos proposer. It does no I/O; the shell sends
// Prepare to every acceptor, feeds each Promise to OnPromise until it returns
// true, then (in Accepting) sends Accept() to every acceptor and feeds each
// Accepted to OnAccepted until it returns true. Replies for another ballot,
// duplicates, and replies arriving after the phase ended are ignored, so the
// shell may deliver whatever the network hands it.
//
// A Round is not safe for concurrent use.
type Round struct {
	key    string
	ballot Ballot
	mode   Mode
	n      int
	quorum int
	f      ChangeFunc
	local  []byte // ModeNaive: the proposer node's local acceptor copy

	phase Phase
	// promises holds the OK promises of the current round, by acceptor.
	// Invariant: len(promises) <= quorum once phase != Preparing.
	promises map[string]Promise
	accepts  map[string]bool
	// nacks holds the acceptors that refused in the current phase.
	nacks      map[string]bool
	highest    Ballot
	current    []byte
	next       []byte
	err        error
	acceptSent bool
}

// NewRound starts a round for key at ballot b among n acceptors, applying f.
// The shell must pick b above every ballot this node used before for key
// (also across restarts).
func NewRound(key string, b Ballot, n int, f ChangeFunc) *Round {
	return newRound(key, b, n, f, ModePaxos, nil)
}

// NewNaiveRound starts a ModeNaive round: promises' values are ignored and f
// is applied to local, the proposer node's own acceptor copy of the value.
func NewNaiveRound(key string, b Ballot, n int, f ChangeFunc, local []byte) *Round {
	return newRound(key, b, n, f, ModeNaive, cloneBytes(local))
}

func newRound(key string, b Ballot, n int, f ChangeFunc, mode Mode, local []byte) *Round {
	if n < 1 {
		panic("paxos: NewRound with n < 1")
	}
	return &Round{
		key: key, ballot: b, mode: mode, n: n, quorum: n/2 + 1, f: f, local: local,
		promises: map[string]Promise{}, accepts: map[string]bool{}, nacks: map[string]bool{},
		highest: b,
	}
}

// Prepare is the message to send to every acceptor first.
func (r *Round) Prepare() Prepare { return Prepare{Key: r.key, Ballot: r.ballot} }

// Key, Ballot, Phase and Quorum describe the round.
func (r *Round) Key() string    { return r.key }
func (r *Round) Ballot() Ballot { return r.ballot }
func (r *Round) Phase() Phase   { return r.phase }
func (r *Round) Quorum() int    { return r.quorum }

// Current is the value the change was applied to (the result of a read),
// valid once the phase is past Preparing.
func (r *Round) Current() []byte { return r.current }

// Next is the value proposed in phase 2.
func (r *Round) Next() []byte { return r.next }

// Err is the change function's error when the phase is Aborted.
func (r *Round) Err() error { return r.err }

// Highest is the highest ballot seen (at least the round's own): a retry
// must use a ballot above it.
func (r *Round) Highest() Ballot { return r.highest }

// AcceptSent reports whether Accept was called: from then on a failure is
// indeterminate, because some acceptor may have accepted the value.
func (r *Round) AcceptSent() bool { return r.acceptSent }

// OnPromise feeds one acceptor's answer to Prepare. It returns true when
// this reply ended the Preparing phase (the new phase is Accepting, Decided,
// Rejected or Aborted).
func (r *Round) OnPromise(from string, p Promise) (done bool) {
	if r.phase != Preparing || p.Ballot != r.ballot {
		return false
	}
	if !p.OK {
		r.highest = r.highest.Max(p.Higher)
		r.nacks[from] = true
		if len(r.nacks) > r.n-r.quorum {
			r.phase = Rejected
			return true
		}
		return false
	}
	if _, dup := r.promises[from]; dup {
		return false
	}
	r.promises[from] = p
	if len(r.promises) < r.quorum {
		return false
	}
	r.choose()
	return true
}

// choose picks the value to change, applies f and moves to the next phase.
func (r *Round) choose() {
	var best Ballot
	var value []byte
	same := true
	first := true
	for _, p := range r.promises {
		if first {
			best, value, first = p.Accepted, p.Value, false
			continue
		}
		if p.Accepted != best {
			same = false
		}
		if best.Less(p.Accepted) {
			best, value = p.Accepted, p.Value
		}
	}
	if r.mode == ModeNaive {
		value = r.local
	}
	r.current = cloneBytes(value)
	next, err := r.f(cloneBytes(r.current))
	if err != nil {
		r.err = err
		r.phase = Aborted
		return
	}
	r.next = next
	// A change that leaves the value unchanged (a read, a cas to the same
	// value) needs no phase 2 when a whole quorum reports the same accepted
	// ballot: that value is chosen (or nothing was ever chosen, when the
	// ballot is zero) and no other value can be chosen below our ballot.
	if r.mode == ModePaxos && same && bytes.Equal(next, r.current) && (next == nil) == (r.current == nil) {
		r.phase = Decided
		return
	}
	r.phase = Accepting
	r.nacks = map[string]bool{}
}

// Accept is the phase 2 message to send to every acceptor; call it only in
// Accepting. Calling it marks the round AcceptSent: the shell must call it
// BEFORE the first Accept leaves the node.
func (r *Round) Accept() Accept {
	if r.phase != Accepting {
		panic("paxos: Round.Accept called in phase " + r.phase.String())
	}
	r.acceptSent = true
	return Accept{Key: r.key, Ballot: r.ballot, Value: cloneBytes(r.next)}
}

// OnAccepted feeds one acceptor's answer to Accept. It returns true when
// this reply ended the Accepting phase (the new phase is Decided or
// Rejected).
func (r *Round) OnAccepted(from string, a Accepted) (done bool) {
	if r.phase != Accepting || !r.acceptSent || a.Ballot != r.ballot {
		return false
	}
	if !a.OK {
		r.highest = r.highest.Max(a.Higher)
		r.nacks[from] = true
		if len(r.nacks) > r.n-r.quorum {
			r.phase = Rejected
			return true
		}
		return false
	}
	r.accepts[from] = true
	if len(r.accepts) >= r.quorum {
		r.phase = Decided
		return true
	}
	return false
}
