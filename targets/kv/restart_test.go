package kv_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/kv"
)

// TestDurableAcrossRestart: acknowledged writes and adds survive stopping
// every node and starting them again, in a last-write-wins mode and in
// serial mode.
func TestDurableAcrossRestart(t *testing.T) {
	for _, mode := range []kv.Mode{kv.ModeQuorum, kv.ModeSerial} {
		t.Run(string(mode), func(t *testing.T) {
			c := newCluster(t, 5, mode)
			cls := c.clients(2 * time.Second)
			ctx := context.Background()
			for i, id := range c.ids {
				if err := cls[id].Write(ctx, "k"+id, int64(i)); err != nil {
					t.Fatal(err)
				}
				if err := cls[id].SetAdd(ctx, "s", int64(i)); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range c.ids {
				c.stop(id)
			}
			for _, id := range c.ids {
				c.start(id, nil)
			}
			for i, id := range c.ids {
				v, err := cls[c.ids[(i+2)%5]].Read(ctx, "k"+id)
				if err != nil || v == nil || *v != int64(i) {
					t.Fatalf("read k%s after restart = %v, %v; want %d", id, v, err, i)
				}
			}
			if got, err := cls["n1"].SetRead(ctx, "s"); err != nil || !slices.Equal(got, []int64{0, 1, 2, 3, 4}) {
				t.Fatalf("set after restart = %v, %v", got, err)
			}
			if h, err := cls["n3"].Health(ctx); err != nil || h.Epoch != 2 {
				t.Fatalf("health after restart %+v, %v; want epoch 2", h, err)
			}
		})
	}
}
