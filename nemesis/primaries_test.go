package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/faultline/faultline/history"
)

// leads is a target that says which nodes are its primaries.
type leads struct {
	nodes []string
	err   error
}

func (l leads) Primaries(context.Context) ([]string, error) { return l.nodes, l.err }

func TestIsolatePrimariesCutsThePrimaryOff(t *testing.T) {
	f, env := newFakeNet(5)
	env.Target = leads{nodes: []string{"n3"}}
	p, err := NewPartition(env, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	done := p.Invoke(context.Background(), startOp(`"`+IsolatePrimaries+`"`))
	if done.Type != history.OK {
		t.Fatalf("%s %s", done.Type, done.Error)
	}
	var g Grudge
	if err := json.Unmarshal(done.Value, &g); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"n1", "n2", "n4", "n5"} {
		if !g.Drops("n3", n) || !g.Drops(n, "n3") {
			t.Errorf("n3 (the primary) and %s still see each other: %v", n, g)
		}
		for _, m := range []string{"n1", "n2", "n4", "n5"} {
			if g.Drops(n, m) {
				t.Errorf("%s and %s, both not primaries, were cut apart: %v", n, m, g)
			}
		}
	}
	if got := f.nodes["n3"].rules; len(got) != 4 {
		t.Errorf("n3 drops %v, want the 4 other nodes", got)
	}
}

func TestIsolatePrimariesIsDrawnOnlyForTargetsThatTell(t *testing.T) {
	_, env := newFakeNet(5)
	p, _ := NewPartition(env, rand.New(rand.NewPCG(1, 1)))
	if slices.Contains(p.kinds(), IsolatePrimaries) {
		t.Error("drawn for a target that does not say which nodes lead")
	}
	if done := p.Invoke(context.Background(), startOp(`"`+IsolatePrimaries+`"`)); done.Type != history.Info {
		t.Errorf("asked by name of such a target: %s, want info with the reason", done.Type)
	}
	env.Target = leads{err: errors.New("no sentinel answers")}
	p, _ = NewPartition(env, rand.New(rand.NewPCG(1, 1)))
	if !slices.Contains(p.kinds(), IsolatePrimaries) {
		t.Fatal("not drawn for a target that tells")
	}
	// A target that cannot tell at the time: one node is isolated instead.
	g := p.grudgeOfKind(context.Background(), IsolatePrimaries)
	if g.Empty() {
		t.Fatal("no partition when the primaries are unknown")
	}
	cut := 0
	for _, n := range env.Nodes {
		if len(g[n]) == len(env.Nodes)-1 {
			cut++
		}
	}
	if cut != 1 {
		t.Errorf("%d nodes cut off from all others, want 1: %v", cut, g)
	}
}
