package clustertest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/internal/clustertest"
)

func TestNetSplitAndHeal(t *testing.T) {
	var n clustertest.Net
	if n.Cut("n1", "n2") {
		t.Fatal("zero Net: n1->n2 cut, want every link up")
	}
	n.Split([]string{"n1"}, []string{"n2", "n3"})
	for _, l := range [][2]string{{"n1", "n2"}, {"n2", "n1"}, {"n1", "n3"}, {"n3", "n1"}} {
		if !n.Cut(l[0], l[1]) {
			t.Errorf("after split n1 | n2 n3: %s->%s up, want cut", l[0], l[1])
		}
	}
	if n.Cut("n2", "n3") || n.Cut("n3", "n2") {
		t.Error("after split n1 | n2 n3: n2<->n3 cut, want up (same side)")
	}
	n.Split([]string{"n2"}, []string{"n3"})
	if n.Cut("n1", "n2") {
		t.Error("a new split left the old one's n1->n2 cut; want only the new cuts")
	}
	n.Heal()
	if n.Cut("n2", "n3") {
		t.Error("after heal: n2->n3 cut, want up")
	}
}

func TestCallLosesRequestOrReply(t *testing.T) {
	var n clustertest.Net
	short := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 20*time.Millisecond)
	}
	ran := 0
	f := func() (int, error) { ran++; return 7, nil }

	ctx, cancel := short()
	defer cancel()
	if v, err := clustertest.Call(ctx, &n, "a", "b", f); v != 7 || err != nil || ran != 1 {
		t.Fatalf("link up: %d, %v (ran %d); want 7, nil, run once", v, err, ran)
	}

	// Request path cut: the request never arrives.
	n.Split([]string{"a"}, []string{"b"})
	ctx2, cancel2 := short()
	defer cancel2()
	if v, err := clustertest.Call(ctx2, &n, "a", "b", f); v != 0 || !errors.Is(err, clustertest.ErrLost) || ran != 1 || ctx2.Err() == nil {
		t.Fatalf("request cut: %d, %v (ran %d); want 0, ErrLost at the deadline, not run", v, err, ran)
	}

	// Only the reply path cut: the peer acts, the answer is lost.
	var mid clustertest.Net // cut while a call is in flight
	reply := func() (int, error) { ran++; mid.Split([]string{"b"}, []string{"a"}); return 7, nil }
	ctx3, cancel3 := short()
	defer cancel3()
	if v, err := clustertest.Call(ctx3, &mid, "a", "b", reply); v != 0 || !errors.Is(err, clustertest.ErrLost) || ran != 2 {
		t.Fatalf("reply cut: %d, %v (ran %d); want 0, ErrLost, run once more", v, err, ran)
	}

	// A request that fails is not turned into a lost one by a cut on the
	// way back.
	boom := errors.New("boom")
	mid.Heal()
	ctx4, cancel4 := short()
	defer cancel4()
	if err := clustertest.Do(ctx4, &mid, "a", "b", func() error { mid.Split([]string{"b"}, []string{"a"}); return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing request with the reply path cut: %v, want its own error", err)
	}
}
