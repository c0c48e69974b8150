package kv_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/faultline/faultline/targets/kv"
)

// runRegisterLoad drives clients doing read/write/cas on keys through
// random nodes until stop closes, recording a porcupine history.
func runRegisterLoad(c *cluster, clients int, keys []string, withCAS bool, stop <-chan struct{}) *recorder {
	rec := newRecorder()
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
				in := regInput{key: keys[rng.IntN(len(keys))], val: int64(rng.IntN(5))}
				r := rng.IntN(10)
				switch {
				case r < 4:
					in.op = "read"
				case r < 7 || !withCAS:
					in.op = "write"
				default:
					in.op = "cas"
					if rng.IntN(5) > 0 {
						in.old = ptr(int64(rng.IntN(5)))
					}
				}
				call := rec.now()
				var out regOutput
				var err error
				switch in.op {
				case "read":
					out.val, err = cl.Read(context.Background(), in.key)
				case "write":
					err = cl.Write(context.Background(), in.key, in.val)
				case "cas":
					err = cl.CAS(context.Background(), in.key, in.old, in.val)
				}
				switch {
				case err == nil:
					rec.add(proc, in, call, out, "ok")
				case errors.Is(err, kv.ErrDefinite):
					rec.add(proc, in, call, out, "fail")
				default:
					rec.add(proc, in, call, out, "info")
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
				c.net.heal()
			} else {
				c.net.split(a, b)
			}
			time.Sleep(250 * time.Millisecond)
		}
		c.net.heal()
		close(stop)
	}()
	rec := runRegisterLoad(c, 8, []string{"a", "b", "c"}, true, stop)
	t.Logf("%d ok, %d info, %d fail", rec.ok, rec.info, rec.fail)
	res, info := porcupine.CheckOperationsVerbose(casRegister, rec.ops, 30*time.Second)
	if res != porcupine.Ok {
		if res == porcupine.Illegal {
			f := t.TempDir() + "/serial.html"
			porcupine.VisualizePath(casRegister, info, f)
			t.Logf("visualization: %s", f)
		}
		t.Fatalf("serial mode history of %d ops is %v, want linearizable", len(rec.ops), res)
	}
	if rec.ok < 100 {
		t.Fatalf("only %d ok operations: too little progress to mean anything", rec.ok)
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
	t.Logf("%d ok, %d info, %d fail", rec.ok, rec.info, rec.fail)
	if res := porcupine.CheckOperationsTimeout(casRegister, rec.ops, 30*time.Second); res != porcupine.Illegal {
		t.Fatalf("quorum mode with skewed clocks gave a %v history of %d ops; the lost writes must be caught", res, len(rec.ops))
	}
}
