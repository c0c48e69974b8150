package paxos_test

import (
	"errors"
	"testing"

	"github.com/faultline/faultline/targets/paxos"
)

func write(v string) paxos.ChangeFunc {
	return func([]byte) ([]byte, error) { return []byte(v), nil }
}

func read(cur []byte) ([]byte, error) { return cur, nil }

func TestRoundPicksHighestAcceptedValue(t *testing.T) {
	r := paxos.NewRound("k", paxos.Ballot{Counter: 9, Node: "a"}, 5, read)
	b := r.Ballot()
	r.OnPromise("a", paxos.Promise{OK: true, Ballot: b, Accepted: paxos.Ballot{Counter: 3, Node: "x"}, Value: []byte("3")})
	r.OnPromise("a", paxos.Promise{OK: true, Ballot: b}) // duplicate: ignored
	if r.Phase() != paxos.Preparing {
		t.Fatalf("phase %v after one distinct promise of 5, want preparing", r.Phase())
	}
	r.OnPromise("b", paxos.Promise{OK: true, Ballot: b, Accepted: paxos.Ballot{Counter: 5, Node: "y"}, Value: []byte("5")})
	r.OnPromise("z", paxos.Promise{OK: true, Ballot: paxos.Ballot{Counter: 8, Node: "a"}}) // other round: ignored
	if !r.OnPromise("c", paxos.Promise{OK: true, Ballot: b}) {
		t.Fatalf("third promise did not end the phase")
	}
	if r.Phase() != paxos.Accepting || string(r.Current()) != "5" {
		t.Fatalf("phase %v current %q, want accepting with the value of ballot 5", r.Phase(), r.Current())
	}
	if r.AcceptSent() {
		t.Fatal("AcceptSent before Accept")
	}
	m := r.Accept()
	if string(m.Value) != "5" || !r.AcceptSent() {
		t.Fatalf("accept %+v", m)
	}
	r.OnAccepted("a", paxos.Accepted{OK: true, Ballot: b})
	r.OnAccepted("a", paxos.Accepted{OK: true, Ballot: b})
	r.OnAccepted("b", paxos.Accepted{OK: false, Ballot: b, Higher: paxos.Ballot{Counter: 20, Node: "q"}})
	r.OnAccepted("c", paxos.Accepted{OK: true, Ballot: b})
	if r.Phase() != paxos.Accepting {
		t.Fatalf("phase %v with 2 accepts of quorum 3", r.Phase())
	}
	r.OnAccepted("d", paxos.Accepted{OK: true, Ballot: b})
	if r.Phase() != paxos.Decided {
		t.Fatalf("phase %v, want decided", r.Phase())
	}
	if r.Highest() != (paxos.Ballot{Counter: 20, Node: "q"}) {
		t.Fatalf("highest %v", r.Highest())
	}
}

func TestRoundReadFastPath(t *testing.T) {
	acc := paxos.Ballot{Counter: 4, Node: "x"}
	r := paxos.NewRound("k", paxos.Ballot{Counter: 9, Node: "a"}, 3, read)
	for _, id := range []string{"a", "b"} {
		r.OnPromise(id, paxos.Promise{OK: true, Ballot: r.Ballot(), Accepted: acc, Value: []byte("4")})
	}
	if r.Phase() != paxos.Decided || string(r.Current()) != "4" || r.AcceptSent() {
		t.Fatalf("read on an agreed quorum: phase %v current %q", r.Phase(), r.Current())
	}
	// Disagreeing quorum: the read must write back.
	r = paxos.NewRound("k", paxos.Ballot{Counter: 9, Node: "a"}, 3, read)
	r.OnPromise("a", paxos.Promise{OK: true, Ballot: r.Ballot(), Accepted: acc, Value: []byte("4")})
	r.OnPromise("b", paxos.Promise{OK: true, Ballot: r.Ballot()})
	if r.Phase() != paxos.Accepting {
		t.Fatalf("read on a disagreeing quorum: phase %v, want accepting", r.Phase())
	}
}

func TestRoundRejectedAndAborted(t *testing.T) {
	r := paxos.NewRound("k", paxos.Ballot{Counter: 1, Node: "a"}, 5, write("1"))
	hi := paxos.Ballot{Counter: 7, Node: "c"}
	r.OnPromise("b", paxos.Promise{Ballot: r.Ballot(), Higher: hi})
	r.OnPromise("c", paxos.Promise{Ballot: r.Ballot(), Higher: paxos.Ballot{Counter: 3}})
	if r.Phase() != paxos.Preparing {
		t.Fatalf("phase %v after 2 nacks of 5", r.Phase())
	}
	r.OnPromise("d", paxos.Promise{Ballot: r.Ballot()})
	if r.Phase() != paxos.Rejected || r.AcceptSent() || r.Highest() != hi {
		t.Fatalf("phase %v acceptSent %v highest %v; want rejected before accept, highest %v", r.Phase(), r.AcceptSent(), r.Highest(), hi)
	}

	errNo := errors.New("no")
	r = paxos.NewRound("k", paxos.Ballot{Counter: 1, Node: "a"}, 1, func([]byte) ([]byte, error) { return nil, errNo })
	r.OnPromise("a", paxos.Promise{OK: true, Ballot: r.Ballot()})
	if r.Phase() != paxos.Aborted || !errors.Is(r.Err(), errNo) {
		t.Fatalf("phase %v err %v, want aborted", r.Phase(), r.Err())
	}
}

func TestNaiveRoundUsesLocalValue(t *testing.T) {
	r := paxos.NewNaiveRound("k", paxos.Ballot{Counter: 1, Node: "a"}, 1, read, []byte("local"))
	// Even if a promise carried a value, naive ignores it.
	r.OnPromise("a", paxos.Promise{OK: true, Ballot: r.Ballot(), Accepted: paxos.Ballot{Counter: 1}, Value: []byte("remote")})
	if string(r.Current()) != "local" || r.Phase() != paxos.Accepting {
		t.Fatalf("naive round: current %q phase %v", r.Current(), r.Phase())
	}
}
