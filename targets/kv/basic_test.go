package kv_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/ring"
)

// TestEveryModeBasics: without faults, in every mode, a write is read back
// from every node, sets union their adds, the local endpoints show the
// replicas' own copies, and cas works only in serial mode.
func TestEveryModeBasics(t *testing.T) {
	for _, m := range kv.Modes() {
		mode := kv.Mode(m)
		t.Run(m, func(t *testing.T) {
			c := newCluster(t, 5, mode)
			cls := c.clients(2 * time.Second)
			ctx := context.Background()
			r := ring.New(c.ids, ring.DefaultVNodes)

			if v, err := cls["n1"].Read(ctx, "x"); err != nil || v != nil {
				t.Fatalf("read of a fresh key = %v, %v; want null", v, err)
			}
			for i, id := range c.ids {
				if err := cls[id].Write(ctx, "x", int64(i+10)); err != nil {
					t.Fatalf("write via %s: %v", id, err)
				}
			}
			if mode.Single() {
				// One replica acks: other nodes may read older values. A read
				// through the last writer that is itself a replica sees it.
			} else {
				for _, id := range c.ids {
					if v, err := cls[id].Read(ctx, "x"); err != nil || v == nil || *v != 14 {
						t.Fatalf("read via %s = %v, %v; want 14", id, v, err)
					}
				}
			}
			for i, id := range c.ids {
				if err := cls[id].SetAdd(ctx, "s", int64(5-i)); err != nil {
					t.Fatalf("add via %s: %v", id, err)
				}
			}
			if !mode.Single() {
				if got, err := cls["n3"].SetRead(ctx, "s"); err != nil || !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
					t.Fatalf("set read = %v, %v; want [1 2 3 4 5]", got, err)
				}
			}
			err := cls["n2"].CAS(ctx, "x", ptr(14), 15)
			if mode == kv.ModeSerial {
				if err != nil {
					t.Fatalf("serial cas 14->15: %v", err)
				}
				err = cls["n4"].CAS(ctx, "x", ptr(14), 16)
				if !errors.Is(err, kv.ErrCASMismatch) || !errors.Is(err, kv.ErrDefinite) || !errors.Is(err, api.ErrMismatch) || !errors.Is(err, api.ErrDefinite) {
					t.Fatalf("stale cas = %v, want a definite mismatch", err)
				}
				if v, err := cls["n5"].Read(ctx, "x"); err != nil || v == nil || *v != 15 {
					t.Fatalf("read after cas = %v, %v; want 15", v, err)
				}
			} else {
				var e *kv.Error
				if !errors.Is(err, kv.ErrDefinite) || !errors.As(err, &e) || e.Status != 400 {
					t.Fatalf("cas in %s = %v, want a definite 400", mode, err)
				}
			}

			// Local views: replicas hold the key, others do not.
			for _, id := range c.ids {
				lv, err := cls[id].LocalRead(ctx, "x")
				if err != nil {
					t.Fatal(err)
				}
				isRep := slices.Contains(r.Replicas("x", 3), id)
				if lv.Replica != isRep {
					t.Fatalf("%s: local read says replica=%v, ring says %v", id, lv.Replica, isRep)
				}
				if !isRep && lv.Value != nil {
					t.Fatalf("%s is no replica of x but stores %v", id, *lv.Value)
				}
				keys, err := cls[id].LocalKeys(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if isRep != slices.Contains(keys.KV, "x") && !mode.Single() {
					t.Fatalf("%s: local keys %v, replica of x: %v", id, keys, isRep)
				}
				ls, err := cls[id].LocalSetRead(ctx, "s")
				if err != nil || ls.Elements == nil {
					t.Fatalf("%s: local set read %+v, %v", id, ls, err)
				}
			}
			h, err := cls["n1"].Health(ctx)
			if err != nil || h.Role != "kv" || h.Mode != mode || h.Node != "n1" {
				t.Fatalf("health %+v, %v", h, err)
			}
		})
	}
}

func TestBadRequestsAreDefinite(t *testing.T) {
	c := newCluster(t, 3, kv.ModeQuorum)
	cl := c.clients(time.Second)["n1"]
	ctx := context.Background()
	var e *kv.Error
	// A malformed body straight through the client's transport is hard to
	// make; an unknown path is the same class of error.
	dead := kv.NewClient("http://127.0.0.1:1", time.Second)
	defer dead.Close()
	if err := dead.Write(ctx, "x", 1); !errors.Is(err, kv.ErrDefinite) {
		t.Fatalf("write to a closed port = %v, want definite (connection refused)", err)
	}
	if err := cl.CAS(ctx, "x", nil, 1); !errors.As(err, &e) || e.Status != 400 || !errors.Is(err, kv.ErrDefinite) || errors.Is(err, kv.ErrCASMismatch) {
		t.Fatalf("cas in quorum mode = %v", err)
	}
	// Write to a cut-off cluster: the coordinator cannot reach a quorum.
	c.net.Split([]string{"n1"}, []string{"n2", "n3"})
	err := cl.Write(ctx, "k", 1)
	if err == nil {
		t.Fatal("write with 1 of 3 replicas reachable succeeded in quorum mode")
	}
	if errors.Is(err, kv.ErrDefinite) {
		// n1 is a replica of every key in a 3-node cluster and stored it
		// locally: the write may well be visible later.
		t.Fatalf("write that reached n1's own store reported definite: %v", err)
	}
}

func ptr(v int64) *int64 { return &v }

// keyWhere returns the first key "k0", "k1", ... that satisfies ok.
func keyWhere(ok func(string) bool) string {
	for i := 0; ; i++ {
		k := "k" + strconv.Itoa(i)
		if ok(k) {
			return k
		}
	}
}
