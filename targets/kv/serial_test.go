package kv_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/faultline/faultline/targets/internal/porctest"
	"github.com/faultline/faultline/targets/kv"
)

// runRegisterLoad drives clients doing read/write/cas on keys through
// random nodes until stop closes, recording a porcupine history.
func runRegisterLoad(c *cluster, clients int, keys []string, withCAS bool, stop <-chan struct{}) *porctest.Recorder {
	rec := porctest.NewRecorder()
	cls := c.clients(400 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			proc := w
			for {
				select {
				case <-stop:
					return
				default:
				}
				cl := cls[c.ids[rng.IntN(len(c.ids))]]
				in := porctest.Input{Key: keys[rng.IntN(len(keys))], Val: int64(rng.IntN(5))}
				r := rng.IntN(10)
				switch {
				case r < 4:
					in.Op = "read"
				case r < 7 || !withCAS:
					in.Op = "write"
				default:
					in.Op = "cas"
					if rng.IntN(5) > 0 {
						in.Old = ptr(int64(rng.IntN(5)))
					}
				}
				call := rec.Now()
				var out porctest.Output
				var err error
				switch in.Op {
				case "read":
					out.Val, err = cl.Read(context.Background(), in.Key)
				case "write":
					err = cl.Write(context.Background(), in.Key, in.Val)
				case "cas":
					err = cl.CAS(context.Background(), in.Key, in.Old, in.Val)
				}
				switch {
				case err == nil:
					rec.Add(proc, in, call, out, "ok")
				case errors.Is(err, kv.ErrDefinite):
					rec.Add(proc, in, call, out, "fail")
				default:
					rec.Add(proc, in, call, out, "info")
					proc += clients // a fresh process after an info
				}
			}
		}()
	}
	go func() { wg.Wait() }()
	<-stop
	wg.Wait()
	return rec
}

// TestSerialLinearizableUnderPartitions: serial mode under shifting
// partitions (random minorities cut off, sometimes healed) stays
// linearizable, and makes progress.
func TestSerialLinearizableUnderPartitions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few seconds of load")
	}
	c := newCluster(t, 5, kv.ModeSerial)
	stop := make(chan struct{})
	go func() {
		rng := rand.New(rand.NewPCG(7, 7))
		for range 12 {
			perm := rng.Perm(5)
			k := 1 + rng.IntN(2)
			var a, b []string
			for i, p := range perm {
				if i < k {
					a = append(a, c.ids[p])
				} else {
					b = append(b, c.ids[p])
				}
			}
			if rng.IntN(4) == 0 {
				c.net.Heal()
			} else {
				c.net.Split(a, b)
			}
			time.Sleep(250 * time.Millisecond)
		}
		c.net.Heal()
		close(stop)
	}()
	rec := runRegisterLoad(c, 8, []string{"a", "b", "c"}, true, stop)
	ok, infos, fails := rec.Counts()
	t.Logf("%d ok, %d info, %d fail", ok, infos, fails)
	res, info := porcupine.CheckOperationsVerbose(porctest.CASRegister, rec.Ops(), 30*time.Second)
	if res != porcupine.Ok {
		if res == porcupine.Illegal {
			f := t.TempDir() + "/serial.html"
			porcupine.VisualizePath(porctest.CASRegister, info, f)
			t.Logf("visualization: %s", f)
		}
		t.Fatalf("serial mode history of %d ops is %v, want linearizable", len(rec.Ops()), res)
	}
	if ok < 100 {
		t.Fatalf("only %d ok operations: too little progress to mean anything", ok)
	}
}

// TestQuorumNotLinearizableUnderSkew is the other direction for the same
// load: quorum mode with a node's clock set back loses acknowledged writes,
// and porcupine catches it.
func TestQuorumNotLinearizableUnderSkew(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few seconds of load")
	}
	c := newCluster(t, 5, kv.ModeQuorum)
	c.setClock("n2", -time.Minute)
	c.setClock("n4", -2*time.Minute)
	waitClock(t, c, "n2", -time.Minute)
	waitClock(t, c, "n4", -2*time.Minute)
	stop := make(chan struct{})
	go func() { time.Sleep(1500 * time.Millisecond); close(stop) }()
	rec := runRegisterLoad(c, 6, []string{"a", "b"}, false, stop)
	ok, info, fail := rec.Counts()
	t.Logf("%d ok, %d info, %d fail", ok, info, fail)
	if res := porcupine.CheckOperationsTimeout(porctest.CASRegister, rec.Ops(), 30*time.Second); res != porcupine.Illegal {
		t.Fatalf("quorum mode with skewed clocks gave a %v history of %d ops; the lost writes must be caught", res, len(rec.Ops()))
	}
}
