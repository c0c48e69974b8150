// Package paxos is a deterministic CASPaxos core: per-key acceptor state and
// a proposer round, with no disk, network, goroutines or clock. A shell (the
// register target's server, or a simulation in a test) moves the messages,
// persists acceptor state and decides on timeouts.
//
// Contract:
//
//   - Ballots are (Counter, Node), totally ordered; the shell never reuses a
//     ballot for a key, also across restarts: NewBallots(node, bootEpoch)
//     hands out such ballots given a durable boot epoch.
//   - Acceptor steps (State.OnPrepare, State.OnAccept, or the Acceptor map
//     wrapper) return whether the state changed; a changed state must be
//     durable BEFORE the reply is sent.
//   - A Round reports its Phase; a Rejected round with AcceptSent false
//     definitely did not take effect, and one with AcceptSent true may have.
//   - ModeNaive is deliberately unsafe (promises carry no value, changes are
//     applied to the proposer's local copy) so that a checker can catch it.
//
// Example (a 3-acceptor write, all in memory):
//
//	accs := map[string]*paxos.Acceptor{"a": paxos.NewAcceptor(paxos.ModePaxos), ...}
//	r := paxos.NewRound("x", paxos.Ballot{Counter: 1, Node: "a"}, 3,
//		func(cur []byte) ([]byte, error) { return []byte("42"), nil })
//	for id, a := range accs {
//		p, _ := a.HandlePrepare("x", r.Prepare().Ballot) // persist if changed, then reply
//		r.OnPromise(id, p)
//	}
//	if r.Phase() == paxos.Accepting {
//		m := r.Accept()
//		for id, a := range accs {
//			ok, _ := a.HandleAccept("x", m.Ballot, m.Value)
//			r.OnAccepted(id, ok)
//		}
//	}
//	// r.Phase() == paxos.Decided
package paxos
