package register_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/faultline/faultline/targets/internal/porctest"
	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/register"
)

type workload struct {
	seed    uint64
	clients int
	opsPer  int
	keys    int
	nemesis bool // random partitions (minorities of 1 or 2 nodes) while it runs
}

// run drives concurrent clients against random nodes and records the
// client-visible history.
func (w workload) run(t *testing.T, c *cluster) *porctest.Recorder {
	t.Helper()
	rec := porctest.NewRecorder()
	cls := c.clients(2 * time.Second)
	done := make(chan struct{})
	var nem sync.WaitGroup
	if w.nemesis {
		nem.Add(1)
		go func() {
			defer nem.Done()
			rng := rand.New(rand.NewPCG(w.seed, 99))
			for {
				select {
				case <-done:
					c.net.Heal()
					return
				case <-time.After(time.Duration(100+rng.IntN(300)) * time.Millisecond):
				}
				if rng.IntN(3) == 0 {
					c.net.Heal()
					continue
				}
				perm := rng.Perm(len(c.ids))
				k := 1 + rng.IntN(2)
				var minority, majority []string
				for i, p := range perm {
					if i < k {
						minority = append(minority, c.ids[p])
					} else {
						majority = append(majority, c.ids[p])
					}
				}
				c.net.Split(minority, majority)
			}
		}()
	}
	var wg sync.WaitGroup
	for cl := range w.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(w.seed, uint64(cl)))
			for range w.opsPer {
				node := c.ids[rng.IntN(len(c.ids))]
				client := cls[node]
				in := porctest.Input{Key: "k" + strconv.Itoa(rng.IntN(w.keys)), Val: int64(rng.IntN(5))}
				switch r := rng.IntN(10); {
				case r < 4:
					in.Op = "read"
				case r < 7:
					in.Op = "write"
				default:
					in.Op = "cas"
					if rng.IntN(5) > 0 {
						old := int64(rng.IntN(5))
						in.Old = &old
					}
				}
				call := rec.Now()
				var out porctest.Output
				var err error
				ctx := context.Background()
				switch in.Op {
				case "read":
					out.Val, err = client.Read(ctx, in.Key)
				case "write":
					err = client.Write(ctx, in.Key, in.Val)
				case "cas":
					err = client.CAS(ctx, in.Key, in.Old, in.Val)
				}
				switch {
				case err == nil:
					rec.Add(cl, in, call, out, "ok")
				case errors.Is(err, register.ErrDefinite):
					rec.Add(cl, in, call, out, "fail")
				default:
					rec.Add(cl, in, call, out, "info")
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	nem.Wait()
	return rec
}

func check(t *testing.T, rec *porctest.Recorder) porcupine.CheckResult {
	t.Helper()
	res := porcupine.CheckOperationsTimeout(porctest.CASRegister, rec.Ops(), 60*time.Second)
	ok, info, fail := rec.Counts()
	t.Logf("%d ok, %d fail, %d info: %v", ok, fail, info, res)
	return res
}

func TestClusterLinearizable(t *testing.T) {
	c := newCluster(t, 5, paxos.ModePaxos)
	rec := workload{seed: 1, clients: 10, opsPer: 60, keys: 3}.run(t, c)
	if res := check(t, rec); res != porcupine.Ok {
		t.Fatalf("history without faults is %v, want linearizable", res)
	}
	if ok, info, _ := rec.Counts(); ok < 300 || info > ok/5 {
		t.Fatalf("without faults only %d of 600 ops ok (%d info)", ok, info)
	}
}

func TestClusterLinearizableUnderPartitions(t *testing.T) {
	seeds := []uint64{1, 2}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		c := newCluster(t, 5, paxos.ModePaxos)
		rec := workload{seed: seed, clients: 10, opsPer: 40, keys: 3, nemesis: true}.run(t, c)
		if res := check(t, rec); res != porcupine.Ok {
			t.Fatalf("seed %d: history is %v, want linearizable", seed, res)
		}
		if ok, _, _ := rec.Counts(); ok < 100 {
			t.Fatalf("seed %d: only %d ops ok: too little to mean anything", seed, ok)
		}
	}
}

func TestClusterNaiveCaughtUnderPartitions(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		c := newCluster(t, 5, paxos.ModeNaive)
		rec := workload{seed: seed, clients: 10, opsPer: 40, keys: 2, nemesis: true}.run(t, c)
		if check(t, rec) == porcupine.Illegal {
			t.Logf("naive mode caught with seed %d", seed)
			return
		}
	}
	t.Fatal("naive mode produced linearizable histories for 4 seeds under partitions; the mistake must be caught")
}

func TestClusterRestartKeepsState(t *testing.T) {
	c := newCluster(t, 3, paxos.ModePaxos)
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	for i := range 20 {
		if err := cls[c.ids[i%3]].Write(ctx, "k"+strconv.Itoa(i), int64(i)); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	for _, id := range c.ids {
		c.stop(id)
	}
	for _, id := range c.ids {
		c.start(id, nil)
	}
	for i := range 20 {
		v, err := cls[c.ids[(i+1)%3]].Read(ctx, "k"+strconv.Itoa(i))
		if err != nil {
			t.Fatalf("read %d after restart: %v", i, err)
		}
		if v == nil || *v != int64(i) {
			t.Fatalf("read k%d after restart = %v, want %d", i, v, i)
		}
	}
	h, err := cls["n1"].Health(ctx)
	if err != nil || h.Epoch != 2 || h.Keys < 20 {
		t.Fatalf("health after restart: %+v, %v; want epoch 2 and 20 keys", h, err)
	}
}

func TestErrorTaxonomy(t *testing.T) {
	c := newCluster(t, 3, paxos.ModePaxos)
	cls := c.clients(3 * time.Second)
	ctx := context.Background()
	if err := cls["n1"].Write(ctx, "x", 1); err != nil {
		t.Fatal(err)
	}

	// cas mismatch: 409, definite.
	two := int64(2)
	err := cls["n2"].CAS(ctx, "x", &two, 3)
	if !errors.Is(err, register.ErrCASMismatch) || !errors.Is(err, register.ErrDefinite) {
		t.Fatalf("mismatching cas: %v; want ErrCASMismatch wrapping ErrDefinite", err)
	}
	one := int64(1)
	if err := cls["n2"].CAS(ctx, "x", &one, 3); err != nil {
		t.Fatalf("matching cas: %v", err)
	}

	// An isolated node cannot gather promises: 503, definite.
	c.net.Split([]string{"n1"}, []string{"n2", "n3"})
	err = cls["n1"].Write(ctx, "x", 9)
	var re *register.Error
	if !errors.Is(err, register.ErrDefinite) || !errors.As(err, &re) || re.Status != 503 {
		t.Fatalf("write on an isolated node: %v; want a definite 503", err)
	}
	c.net.Heal()

	// Accepts that arrive but whose replies are lost: indeterminate, and in
	// fact the write took effect.
	c.net.setLoseAcceptReplies(true)
	err = cls["n1"].Write(ctx, "x", 5)
	if err == nil || errors.Is(err, register.ErrDefinite) || !errors.Is(err, register.ErrIndeterminate) {
		t.Fatalf("write whose accepts went unacknowledged: %v; want indeterminate", err)
	}
	c.net.setLoseAcceptReplies(false)
	v, err := cls["n3"].Read(ctx, "x")
	if err != nil || v == nil || *v != 5 {
		t.Fatalf("read after the indeterminate write = %v, %v; want 5 (it reached every acceptor)", v, err)
	}

	// A node that is down refuses the connection: definite.
	c.stop("n3")
	cls["n3"].Close() // drop kept-alive connections: an EOF on one is (rightly) indeterminate
	err = cls["n3"].Write(ctx, "x", 7)
	if !errors.Is(err, register.ErrDefinite) {
		t.Fatalf("write to a stopped node: %v; want definite (never sent)", err)
	}
	// The other two still form a quorum.
	if err := cls["n2"].Write(ctx, "x", 8); err != nil {
		t.Fatalf("write with 2 of 3 up: %v", err)
	}
}
