package paxos

import (
	"bytes"
	"fmt"
)

// State is one key's acceptor state: the whole of what an acceptor must keep
// durable. The shell persists a State whenever a step says it changed, and
// persists it BEFORE the reply that step produced leaves the node; a reply
// sent before its state is on disk can be forgotten by a crash, and then two
// different values can be chosen.
type State struct {
	// Promised is the highest ballot this acceptor promised.
	// Invariant: Promised >= Accepted.
	Promised Ballot `json:"p"`
	// Accepted is the ballot of the last accepted proposal, zero if none.
	// Invariant: Accepted <= Promised.
	Accepted Ballot `json:"a"`
	// Value is the value accepted at Accepted; nil when nothing was accepted.
	// Opaque to the core (the register and kv targets store JSON here).
	// Invariant: Accepted.IsZero() implies Value == nil.
	Value []byte `json:"v,omitempty"`
}

// Check returns an error naming the broken invariant, or nil. Gateways that
// read states from outside (a log replay, a test) call it once.
func (s State) Check() error {
	if s.Promised.Less(s.Accepted) {
		return fmt.Errorf("paxos: state invariant broken: promised %v < accepted %v", s.Promised, s.Accepted)
	}
	if s.Accepted.IsZero() && s.Value != nil {
		return fmt.Errorf("paxos: state invariant broken: value %q with no accepted ballot", s.Value)
	}
	return nil
}

// Equal reports whether s and o are the same state.
func (s State) Equal(o State) bool {
	return s.Promised == o.Promised && s.Accepted == o.Accepted && bytes.Equal(s.Value, o.Value) && (s.Value == nil) == (o.Value == nil)
}

// OnPrepare is the acceptor's pure phase 1 step. A ballot at or above the
// promised one is promised (a duplicate Prepare gets the same answer again);
// a lower one is refused with the promised ballot in Higher.
//
// changed reports whether next differs from s: if so the caller must persist
// next BEFORE sending reply.
func (s State) OnPrepare(b Ballot, mode Mode) (next State, reply Promise, changed bool) {
	if b.Less(s.Promised) {
		return s, Promise{OK: false, Ballot: b, Higher: s.Promised}, false
	}
	next = s
	next.Promised = b
	reply = Promise{OK: true, Ballot: b}
	if mode != ModeNaive {
		reply.Accepted = s.Accepted
		reply.Value = s.Value
	}
	return next, reply, next.Promised != s.Promised
}

// OnAccept is the acceptor's pure phase 2 step. A ballot at or above the
// promised one is accepted; a lower one is refused with the promised ballot
// in Higher.
//
// changed reports whether next differs from s: if so the caller must persist
// next BEFORE sending reply.
func (s State) OnAccept(b Ballot, value []byte) (next State, reply Accepted, changed bool) {
	if b.Less(s.Promised) {
		return s, Accepted{OK: false, Ballot: b, Higher: s.Promised}, false
	}
	next = State{Promised: b, Accepted: b, Value: cloneBytes(value)}
	return next, Accepted{OK: true, Ballot: b}, !next.Equal(s)
}

// Acceptor holds the states of many keys in memory. It is a convenience for
// simulations and simple shells; it does no locking and no I/O. A shell that
// needs per-key locking or durability calls State.OnPrepare and
// State.OnAccept itself.
type Acceptor struct {
	Mode   Mode
	states map[string]State
}

// NewAcceptor returns an empty acceptor.
func NewAcceptor(mode Mode) *Acceptor {
	return &Acceptor{Mode: mode, states: map[string]State{}}
}

// State returns key's state (the zero State if the key was never touched).
func (a *Acceptor) State(key string) State { return a.states[key] }

// Restore sets key's state, e.g. from a replayed log. It refuses a state that
// breaks an invariant.
func (a *Acceptor) Restore(key string, s State) error {
	if err := s.Check(); err != nil {
		return fmt.Errorf("paxos: restore key %q: %w", key, err)
	}
	a.states[key] = s
	return nil
}

// Keys returns the number of keys with state.
func (a *Acceptor) Keys() int { return len(a.states) }

// HandlePrepare applies a Prepare. When changed is true the caller must
// persist a.State(key) BEFORE sending reply.
func (a *Acceptor) HandlePrepare(key string, b Ballot) (reply Promise, changed bool) {
	next, reply, changed := a.states[key].OnPrepare(b, a.Mode)
	if changed {
		a.states[key] = next
	}
	return reply, changed
}

// HandleAccept applies an Accept. When changed is true the caller must
// persist a.State(key) BEFORE sending reply.
func (a *Acceptor) HandleAccept(key string, b Ballot, value []byte) (reply Accepted, changed bool) {
	next, reply, changed := a.states[key].OnAccept(b, value)
	if changed {
		a.states[key] = next
	}
	return reply, changed
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
