package queue_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/queue"
)

func TestDequeueOutcomeAPI(t *testing.T) {
	c := newCluster(t, 3, queue.Config{CompactBytes: 4 << 10, Window: 4})
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	for i := range int64(3) {
		if err := cls["n1"].Enqueue(ctx, 10+i); err != nil {
			t.Fatal(err)
		}
	}
	if v, empty, err := cls["n1"].DequeueID(ctx, "a"); err != nil || empty || v != 10 {
		t.Fatalf("dequeue a = %d %v %v", v, empty, err)
	}
	// Asked at another node: applied, with the element.
	applied, v, empty, err := cls["n2"].DequeueOutcome(ctx, "a")
	if err != nil || !applied || empty || v != 10 {
		t.Fatalf("outcome of a = %v %d %v %v", applied, v, empty, err)
	}
	// Never sent: not applied, and now it never will be.
	if applied, _, _, err := cls["n3"].DequeueOutcome(ctx, "ghost"); err != nil || applied {
		t.Fatalf("outcome of ghost = %v %v", applied, err)
	}
	_, _, err = cls["n1"].DequeueID(ctx, "ghost")
	var qe *queue.Error
	if !queue.Definite(err) || !errors.As(err, &qe) || qe.Status != http.StatusConflict {
		t.Fatalf("dequeue of a fenced id: %v, want a definite 409", err)
	}
	// A repeated id is answered, not applied twice.
	if v, _, err := cls["n2"].DequeueID(ctx, "a"); err != nil || v != 10 {
		t.Fatalf("repeat of a = %d %v", v, err)
	}
	// Bad requests are definite.
	if _, err := cls["n1"].Outcomes(ctx, nil); !queue.Definite(err) {
		t.Fatalf("outcome of no ids: %v, want definite", err)
	}
	// Outcomes survive compaction into snapshots and a full restart.
	for i := range 200 {
		if err := cls["n1"].Enqueue(ctx, int64(1000+i)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cls["n2"].DequeueID(ctx, fmt.Sprintf("fill-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.server("n1").Stats(); st.Compactions == 0 || st.Outcomes < 200 {
		t.Fatalf("stats %+v: want compactions and >= 200 outcomes", st)
	}
	for _, id := range c.ids {
		c.stop(id)
	}
	for _, id := range c.ids {
		c.start(id, nil)
	}
	out, err := cls["n3"].Outcomes(ctx, []string{"a", "ghost", "fill-0"})
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Applied || *out[0].Value != 10 || out[1].Applied || !out[2].Applied || *out[2].Value != 11 {
		t.Fatalf("outcomes after restart: %+v %+v %+v", out[0], out[1], out[2])
	}
}

// TestOutcomesAccountForEveryDequeue runs dequeues with ids under
// partitions and restarts, then asks for the outcome of every dequeue
// whose reply was lost. With those, the count is exact: every
// acknowledged enqueue is dequeued exactly once, with no slack at all for
// indeterminate dequeues.
func TestOutcomesAccountForEveryDequeue(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a faulty cluster for a few seconds")
	}
	c := newCluster(t, 5, queue.Config{Window: 16, CompactBytes: 32 << 10})
	cls := c.clients(time.Second)
	var (
		mu        sync.Mutex
		next      int64
		seq       int
		attempted = map[int64]bool{}
		acked     = map[int64]bool{}
		dequeued  = map[int64]int{}
		lostIDs   []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for {
				select {
				case <-stop:
					return
				default:
				}
				cl := cls[c.ids[rng.IntN(len(c.ids))]]
				ctx := context.Background()
				mu.Lock()
				next++
				seq++
				v, id := next, fmt.Sprintf("w%d-%d", w, seq)
				mu.Unlock()
				if rng.IntN(2) == 0 {
					mu.Lock()
					attempted[v] = true
					mu.Unlock()
					if err := cl.Enqueue(ctx, v); err == nil {
						mu.Lock()
						acked[v] = true
						mu.Unlock()
					}
					continue
				}
				got, empty, err := cl.DequeueID(ctx, id)
				mu.Lock()
				switch {
				case err == nil && !empty:
					dequeued[got]++
				case err != nil && !queue.Definite(err):
					lostIDs = append(lostIDs, id)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(7, 3))
	for round := range 12 {
		switch round % 3 {
		case 0:
			perm := rng.Perm(5)
			var a, b []string
			for i, p := range perm {
				if i < 2 {
					a = append(a, c.ids[p])
				} else {
					b = append(b, c.ids[p])
				}
			}
			c.net.Split(a, b)
		case 1:
			id := c.ids[rng.IntN(5)]
			c.stop(id)
			time.Sleep(150 * time.Millisecond)
			c.start(id, nil)
		default:
			c.net.Heal()
		}
		time.Sleep(300 * time.Millisecond)
	}
	c.net.Heal()
	close(stop)
	wg.Wait()
	// Resolve first, drain after: a fence holds whenever it is written.
	resolved := 0
	if len(lostIDs) > 0 {
		out, err := cls["n4"].Outcomes(context.Background(), lostIDs)
		for tries := 0; err != nil && tries < 50; tries++ {
			time.Sleep(50 * time.Millisecond)
			out, err = cls["n4"].Outcomes(context.Background(), lostIDs)
		}
		if err != nil {
			t.Fatalf("outcomes of %d lost dequeues: %v", len(lostIDs), err)
		}
		for _, o := range out {
			if o.Applied && !o.Empty {
				dequeued[*o.Value]++
				resolved++
			}
		}
	}
	for _, v := range c.drain(cls) {
		dequeued[v]++
	}
	var missing []int64
	for v := range acked {
		if dequeued[v] == 0 {
			missing = append(missing, v)
		}
	}
	slices.Sort(missing)
	for v, n := range dequeued {
		if n > 1 || !attempted[v] {
			t.Errorf("value %d dequeued %d times (attempted %v)", v, n, attempted[v])
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d acknowledged enqueues missing after resolving %d lost dequeues: %v", len(missing), len(lostIDs), missing)
	}
	if len(acked) < 20 {
		t.Fatalf("only %d enqueues acknowledged: the test exercised too little", len(acked))
	}
	t.Logf("%d acknowledged, %d dequeues with lost replies, %d of them had removed an element", len(acked), len(lostIDs), resolved)
}
