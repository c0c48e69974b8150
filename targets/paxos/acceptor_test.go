package paxos_test

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/faultline/faultline/targets/paxos"
)

// TestAcceptorInvariants drives acceptors with random prepares and accepts
// and checks, after every step, the invariants and the rules against a dumb
// oracle written from the Paxos paper.
func TestAcceptorInvariants(t *testing.T) {
	for _, mode := range []paxos.Mode{paxos.ModePaxos, paxos.ModeNaive} {
		for seed := range uint64(200) {
			rng := rand.New(rand.NewPCG(seed, 7))
			a := paxos.NewAcceptor(mode)
			for step := range 200 {
				key := "k" + strconv.Itoa(rng.IntN(2))
				b := paxos.Ballot{Counter: uint64(rng.IntN(8)), Node: "n" + strconv.Itoa(rng.IntN(3))}
				before := a.State(key)
				if rng.IntN(2) == 0 {
					p, changed := a.HandlePrepare(key, b)
					after := a.State(key)
					wantOK := !b.Less(before.Promised)
					if p.OK != wantOK || p.Ballot != b {
						t.Fatalf("%s seed %d step %d: prepare %v on %+v: got %+v", mode, seed, step, b, before, p)
					}
					if !p.OK && p.Higher != before.Promised {
						t.Fatalf("%s seed %d step %d: nack carries %v, want promised %v", mode, seed, step, p.Higher, before.Promised)
					}
					if p.OK && mode == paxos.ModePaxos && (p.Accepted != before.Accepted || !bytes.Equal(p.Value, before.Value)) {
						t.Fatalf("%s seed %d step %d: promise %+v does not carry accepted state %+v", mode, seed, step, p, before)
					}
					if mode == paxos.ModeNaive && (!p.Accepted.IsZero() || p.Value != nil) {
						t.Fatalf("naive seed %d step %d: promise carries a value: %+v", seed, step, p)
					}
					if after.Accepted != before.Accepted || !bytes.Equal(after.Value, before.Value) {
						t.Fatalf("%s seed %d step %d: prepare changed the accepted state: %+v -> %+v", mode, seed, step, before, after)
					}
					if changed != !after.Equal(before) {
						t.Fatalf("%s seed %d step %d: changed=%v but %+v -> %+v", mode, seed, step, changed, before, after)
					}
				} else {
					v := []byte(strconv.Itoa(rng.IntN(100)))
					r, changed := a.HandleAccept(key, b, v)
					after := a.State(key)
					wantOK := !b.Less(before.Promised)
					if r.OK != wantOK {
						t.Fatalf("%s seed %d step %d: accept %v on %+v: got %+v", mode, seed, step, b, before, r)
					}
					if r.OK && (after.Accepted != b || after.Promised != b || !bytes.Equal(after.Value, v)) {
						t.Fatalf("%s seed %d step %d: accepted %v=%s but state is %+v", mode, seed, step, b, v, after)
					}
					if !r.OK && !after.Equal(before) {
						t.Fatalf("%s seed %d step %d: refused accept changed state %+v -> %+v", mode, seed, step, before, after)
					}
					if changed != !after.Equal(before) {
						t.Fatalf("%s seed %d step %d: changed=%v but %+v -> %+v", mode, seed, step, changed, before, after)
					}
				}
				after := a.State(key)
				if err := after.Check(); err != nil {
					t.Fatalf("%s seed %d step %d: %v", mode, seed, step, err)
				}
				if after.Promised.Less(before.Promised) || after.Accepted.Less(before.Accepted) {
					t.Fatalf("%s seed %d step %d: ballots went backwards: %+v -> %+v", mode, seed, step, before, after)
				}
			}
		}
	}
}

func TestStateCheckRejectsBrokenInvariants(t *testing.T) {
	bad := []paxos.State{
		{Promised: paxos.Ballot{Counter: 1, Node: "a"}, Accepted: paxos.Ballot{Counter: 2, Node: "a"}, Value: []byte("1")},
		{Value: []byte("1")},
	}
	for _, s := range bad {
		if s.Check() == nil {
			t.Errorf("Check(%+v) = nil, want an error", s)
		}
		if err := paxos.NewAcceptor(paxos.ModePaxos).Restore("k", s); err == nil {
			t.Errorf("Restore(%+v) = nil, want an error", s)
		}
	}
	if err := (paxos.State{Promised: paxos.Ballot{Counter: 2}, Accepted: paxos.Ballot{Counter: 2}, Value: []byte("1")}).Check(); err != nil {
		t.Errorf("valid state refused: %v", err)
	}
}

func TestBallotOrder(t *testing.T) {
	bs := []paxos.Ballot{{}, {Counter: 1, Node: "a"}, {Counter: 1, Node: "b"}, {Counter: 2, Node: "a"}}
	for i := range bs {
		for j := range bs {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := bs[i].Compare(bs[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", bs[i], bs[j], got, want)
			}
		}
	}
}

// TestBallotsNeverRepeatAcrossBoots: a node that restarts (new epoch) and
// adopts counters from rejections never hands out a ballot it used before.
func TestBallotsNeverRepeatAcrossBoots(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[paxos.Ballot]bool{}
	var above paxos.Ballot
	for epoch := uint64(1); epoch <= 50; epoch++ {
		g := paxos.NewBallots("n1", epoch)
		prev := paxos.Ballot{}
		for range 50 {
			var hint paxos.Ballot
			if rng.IntN(3) == 0 {
				// A rejection names some ballot seen before (any boot's).
				hint = above
				hint.Counter -= min(hint.Counter, uint64(rng.IntN(3)))
				hint.Node = "n" + strconv.Itoa(rng.IntN(3))
			}
			b := g.Next(hint)
			if seen[b] {
				t.Fatalf("epoch %d: ballot %v handed out twice", epoch, b)
			}
			if !hint.Less(b) || !prev.Less(b) {
				t.Fatalf("epoch %d: ballot %v not above hint %v and previous %v", epoch, b, hint, prev)
			}
			seen[b], prev = true, b
			above = above.Max(b)
		}
	}
}
