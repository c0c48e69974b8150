package kv_test

import (
	"context"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/kv"
)

// waitClock waits until the node reports the offset: the clock file is
// re-read within ~10 ms.
func waitClock(t *testing.T, c *cluster, id string, offset time.Duration) {
	t.Helper()
	cl := kv.NewClient(c.url(id), time.Second)
	defer cl.Close()
	for range 500 {
		r, err := cl.Clock(context.Background())
		if err == nil && r.OffsetNS == int64(offset) && r.Node == id {
			now := time.Now().UnixNano()
			// The reported time carries the offset (a minute of slack for a
			// slow machine is far below the skews used here).
			if d := r.TimeNS - now - int64(offset); d < int64(time.Minute) && d > -int64(time.Minute) {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("node %s never reported clock offset %v", id, offset)
}

// TestQuorumLosesWriteOfSkewedNode: a node whose clock is an hour behind
// coordinates a write after another node's; both are acknowledged, but
// last-write-wins keeps the older write, so every later read is stale.
// Serial mode, given the same skew, is immune.
func TestQuorumLosesWriteOfSkewedNode(t *testing.T) {
	for _, mode := range []kv.Mode{kv.ModeQuorum, kv.ModeAll, kv.ModeSerial} {
		t.Run(string(mode), func(t *testing.T) {
			c := newCluster(t, 5, mode)
			c.setClock("n2", -time.Hour)
			waitClock(t, c, "n2", -time.Hour)
			cls := c.clients(2 * time.Second)
			ctx := context.Background()
			if err := cls["n1"].Write(ctx, "x", 1); err != nil {
				t.Fatal(err)
			}
			if err := cls["n2"].Write(ctx, "x", 2); err != nil {
				t.Fatalf("write via the skewed node: %v", err)
			}
			for _, id := range c.ids {
				v, err := cls[id].Read(ctx, "x")
				if err != nil || v == nil {
					t.Fatalf("read via %s: %v, %v", id, v, err)
				}
				if mode == kv.ModeSerial && *v != 2 {
					t.Fatalf("serial: read via %s = %d after the acknowledged write of 2", id, *v)
				}
				if mode != kv.ModeSerial && *v != 1 {
					t.Fatalf("%s: read via %s = %d; the skewed node's write (ts an hour back) should have lost to 1", mode, id, *v)
				}
			}
			// And the reason is visible locally: the stored stamp is n1's.
			if mode != kv.ModeSerial {
				for _, id := range c.ids {
					lv, err := cls[id].LocalRead(ctx, "x")
					if err != nil {
						t.Fatal(err)
					}
					if lv.Replica && (lv.Node != "n1" || lv.Value == nil || *lv.Value != 1) {
						t.Fatalf("replica %s stores %+v, want n1's version of 1", id, lv)
					}
				}
			}
		})
	}
}
