package kv_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/ring"
)

// divergeUnderPartition cuts {n1,n2} from {n3,n4,n5}, and for several keys
// whose replicas straddle the cut writes one value through a replica on
// each side (the B side later), and adds an element to a set on each side.
// It heals and returns the keys with the values that must win.
func divergeUnderPartition(t *testing.T, c *cluster) (winners map[string]int64, sets map[string][]int64) {
	t.Helper()
	r := ring.New(c.ids, ring.DefaultVNodes)
	sideA, sideB := []string{"n1", "n2"}, []string{"n3", "n4", "n5"}
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	c.net.Split(sideA, sideB)
	winners, sets = map[string]int64{}, map[string][]int64{}
	for i := 0; len(winners) < 4; i++ {
		key := fmt.Sprintf("key%d", i)
		reps := r.Replicas(key, 3)
		var a, b string
		for _, x := range reps {
			if slices.Contains(sideA, x) && a == "" {
				a = x
			}
			if slices.Contains(sideB, x) && b == "" {
				b = x
			}
		}
		if a == "" || b == "" {
			continue
		}
		if err := cls[a].Write(ctx, key, int64(100+i)); err != nil {
			t.Fatalf("write %s via %s: %v", key, a, err)
		}
		if err := cls[b].Write(ctx, key, int64(200+i)); err != nil {
			t.Fatalf("write %s via %s: %v", key, b, err)
		}
		if err := cls[a].SetAdd(ctx, key, 1); err != nil {
			t.Fatalf("add to %s via %s: %v", key, a, err)
		}
		if err := cls[b].SetAdd(ctx, key, 2); err != nil {
			t.Fatalf("add to %s via %s: %v", key, b, err)
		}
		winners[key] = int64(200 + i)
		sets[key] = []int64{1, 2}
	}
	c.net.Heal()
	return winners, sets
}

// converged reports whether every replica of every key holds want, and
// describes the first difference.
func converged(c *cluster, winners map[string]int64, sets map[string][]int64) (bool, string) {
	r := ring.New(c.ids, ring.DefaultVNodes)
	cls := c.clients(time.Second)
	ctx := context.Background()
	for key, want := range winners {
		for _, id := range r.Replicas(key, 3) {
			lv, err := cls[id].LocalRead(ctx, key)
			if err != nil {
				return false, err.Error()
			}
			if lv.Value == nil || *lv.Value != want {
				return false, fmt.Sprintf("replica %s of %s holds %+v, want %d", id, key, lv, want)
			}
			ls, err := cls[id].LocalSetRead(ctx, key)
			if err != nil {
				return false, err.Error()
			}
			if !slices.Equal(ls.Elements, sets[key]) {
				return false, fmt.Sprintf("replica %s of set %s holds %v, want %v", id, key, ls.Elements, sets[key])
			}
		}
	}
	return true, ""
}

// TestOneConvergesAfterHeal: in mode one, anti-entropy brings every
// replica to the last write (and the union of the sets) within a few
// rounds after the partition heals.
func TestOneConvergesAfterHeal(t *testing.T) {
	c := newCluster(t, 5, kv.ModeOne)
	winners, sets := divergeUnderPartition(t, c)
	var why string
	for range 200 { // 20 s at most; a few 100 ms rounds suffice
		var ok bool
		if ok, why = converged(c, winners, sets); ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mode one did not converge after the heal: %s", why)
}

// TestSerialConvergesAfterHeal: in serial mode a replica cut off during
// writes catches up through anti-entropy (accepted states replayed as
// delayed Accepts).
func TestSerialConvergesAfterHeal(t *testing.T) {
	c := newCluster(t, 5, kv.ModeSerial)
	r := ring.New(c.ids, ring.DefaultVNodes)
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	key := "x"
	reps := r.Replicas(key, 3)
	var others []string
	for _, id := range c.ids {
		if id != reps[2] {
			others = append(others, id)
		}
	}
	c.net.Split([]string{reps[2]}, others)
	if err := cls[reps[0]].Write(ctx, key, 7); err != nil {
		t.Fatal(err)
	}
	if err := cls[reps[0]].SetAdd(ctx, key, 3); err != nil {
		t.Fatal(err)
	}
	lv, err := cls[reps[2]].LocalRead(ctx, key)
	if err != nil || lv.Value != nil {
		t.Fatalf("the cut-off replica already holds %+v, %v", lv, err)
	}
	c.net.Heal()
	var why string
	for range 200 {
		var ok bool
		if ok, why = converged(c, map[string]int64{key: 7}, map[string][]int64{key: {3}}); ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serial mode did not converge after the heal: %s", why)
}

// TestOneNoRepairStaysDivergent: the same scenario in one-no-repair leaves
// replicas different however long one waits, and coordinated reads do not
// repair them either.
func TestOneNoRepairStaysDivergent(t *testing.T) {
	c := newCluster(t, 5, kv.ModeOneNoRepair)
	winners, sets := divergeUnderPartition(t, c)
	cls := c.clients(time.Second)
	for range 10 { // ten anti-entropy intervals of the other modes
		for key := range winners {
			for _, id := range c.ids {
				if _, err := cls[id].Read(context.Background(), key); err != nil {
					t.Fatalf("read %s via %s: %v", key, id, err)
				}
			}
		}
		time.Sleep(c.ae)
	}
	ok, why := converged(c, winners, sets)
	if ok {
		t.Fatal("one-no-repair converged after the heal; it must stay divergent to be caught")
	}
	t.Logf("still divergent, as it must be: %s", why)
}
