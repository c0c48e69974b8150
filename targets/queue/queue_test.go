package queue_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/queue"
)

func TestFIFOAcrossNodes(t *testing.T) {
	c := newCluster(t, 5, queue.Config{})
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	var want []int64
	for i := range int64(20) {
		if err := cls[c.ids[i%5]].Enqueue(ctx, i); err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
		want = append(want, i)
	}
	for i := range 10 {
		v, empty, err := cls[c.ids[(i+2)%5]].Dequeue(ctx)
		if err != nil || empty || v != want[i] {
			t.Fatalf("dequeue %d = %d, %v, %v; want %d", i, v, empty, err, want[i])
		}
	}
	if got := c.drain(cls); !slices.Equal(got, want[10:]) {
		t.Fatalf("drained %v, want %v", got, want[10:])
	}
	_, empty, err := cls["n3"].Dequeue(ctx)
	if err != nil || !empty {
		t.Fatalf("dequeue of a drained queue = empty %v, %v", empty, err)
	}
	h, err := cls["n2"].Health(ctx)
	if err != nil || h.Node != "n2" || h.Role != "queue" || h.Mode != queue.ModePaxos {
		t.Fatalf("health %+v %v", h, err)
	}
}

// outcomes collects what a workload saw, to check the total-queue
// property: every acknowledged enqueue is dequeued exactly once, nothing
// is dequeued that was never enqueued.
type outcomes struct {
	mu        sync.Mutex
	attempted map[int64]bool
	acked     map[int64]bool
	dequeued  map[int64]int // ok dequeues
	// infoDequeues counts indeterminate dequeues: each may have removed an
	// element nobody saw, so that many missing elements are not a loss.
	infoDequeues int
}

func newOutcomes() *outcomes {
	return &outcomes{attempted: map[int64]bool{}, acked: map[int64]bool{}, dequeued: map[int64]int{}}
}

func (o *outcomes) check(t *testing.T, drained []int64) (lost []int64) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, v := range drained {
		o.dequeued[v]++
	}
	for v, n := range o.dequeued {
		if n > 1 {
			t.Errorf("value %d dequeued %d times", v, n)
		}
		if !o.attempted[v] {
			t.Errorf("value %d dequeued but never enqueued", v)
		}
	}
	for v := range o.acked {
		if o.dequeued[v] == 0 {
			lost = append(lost, v)
		}
	}
	slices.Sort(lost)
	return lost
}

// run drives workers against random nodes until stop is closed.
func (o *outcomes) run(t *testing.T, c *cluster, cls map[string]*queue.Client, workers int, next *int64, stop chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	var nmu sync.Mutex
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				cl := cls[c.ids[rng.IntN(len(c.ids))]]
				ctx := context.Background()
				if rng.IntN(2) == 0 {
					nmu.Lock()
					*next++
					v := *next
					nmu.Unlock()
					o.mu.Lock()
					o.attempted[v] = true
					o.mu.Unlock()
					if err := cl.Enqueue(ctx, v); err == nil {
						o.mu.Lock()
						o.acked[v] = true
						o.mu.Unlock()
					}
				} else {
					v, empty, err := cl.Dequeue(ctx)
					if err == nil && !empty {
						o.mu.Lock()
						o.dequeued[v]++
						o.mu.Unlock()
					}
					if err != nil && queue.Definite(err) {
						time.Sleep(5 * time.Millisecond)
					}
					if err != nil && !queue.Definite(err) {
						o.mu.Lock()
						o.infoDequeues++
						o.mu.Unlock()
					}
				}
			}
		}()
	}
	return &wg
}

func TestNoLossNoDuplicationUnderPartitionsAndRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a faulty cluster for a few seconds")
	}
	c := newCluster(t, 5, queue.Config{Window: 16, CompactBytes: 32 << 10})
	cls := c.clients(time.Second)
	o := newOutcomes()
	var next int64
	stop := make(chan struct{})
	wg := o.run(t, c, cls, 8, &next, stop)
	rng := rand.New(rand.NewPCG(42, 1))
	for round := range 12 {
		switch round % 3 {
		case 0: // a random split
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
			c.net.Split(a, b)
		case 1: // kill and restart a node
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
	drained := c.drain(cls)
	missing := o.check(t, drained)
	o.mu.Lock()
	acked, info := len(o.acked), o.infoDequeues
	o.mu.Unlock()
	if len(missing) > info {
		t.Fatalf("%d acknowledged enqueues missing, only %d indeterminate dequeues could have taken them: %v", len(missing), info, missing)
	}
	if acked < 20 {
		t.Fatalf("only %d enqueues acknowledged: the test exercised too little", acked)
	}
	t.Logf("%d attempted, %d acknowledged enqueues, %d drained at the end, %d missing, %d indeterminate dequeues", next, acked, len(drained), len(missing), info)
}

// waitFor polls cond until it holds or a generous bound passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never happened", what)
}

func TestLaggingNodeCatchesUp(t *testing.T) {
	for _, window := range []int{4096, 8} { // entries, then a snapshot
		c := newCluster(t, 5, queue.Config{Window: window})
		cls := c.clients(2 * time.Second)
		ctx := context.Background()
		c.net.Split([]string{"n5"}, []string{"n1", "n2", "n3", "n4"})
		for i := range int64(60) {
			if err := cls[c.ids[i%4]].Enqueue(ctx, i); err != nil {
				t.Fatalf("window %d: enqueue %d: %v", window, i, err)
			}
		}
		lead := c.server("n1").Stats().AppliedSlot
		if got := c.server("n5").Stats().AppliedSlot; got != 0 {
			t.Fatalf("window %d: isolated n5 applied slot %d", window, got)
		}
		c.net.Heal()
		waitFor(t, "n5 catching up", func() bool { return c.server("n5").Stats().AppliedSlot >= lead })
		if st := c.server("n5").Stats(); st.QueueLen != 60 {
			t.Fatalf("window %d: n5 caught up to slot %d with %d elements, want 60", window, st.AppliedSlot, st.QueueLen)
		}
		// n5 now serves the queue's head.
		v, empty, err := cls["n5"].Dequeue(ctx)
		if err != nil || empty || v != 0 {
			t.Fatalf("window %d: dequeue at n5 = %d %v %v", window, v, empty, err)
		}
	}
}

func TestRestartedNodeKeepsState(t *testing.T) {
	c := newCluster(t, 3, queue.Config{})
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	for i := range int64(10) {
		if err := cls["n1"].Enqueue(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range c.ids {
		c.stop(id)
	}
	for _, id := range c.ids {
		c.start(id, nil)
	}
	if e := c.server("n1").Epoch(); e != 2 {
		t.Fatalf("epoch after restart %d, want 2", e)
	}
	if got := c.drain(cls); !slices.Equal(got, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("after a full restart drained %v", got)
	}
}

func TestCompactionBoundsTheLog(t *testing.T) {
	const window = 16
	c := newCluster(t, 3, queue.Config{Window: window, CompactBytes: 16 << 10})
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	maxLen := 0
	for i := range int64(400) {
		cl := cls[c.ids[i%3]]
		if err := cl.Enqueue(ctx, i); err != nil {
			t.Fatal(err)
		}
		if v, empty, err := cl.Dequeue(ctx); err != nil || empty || v != i {
			t.Fatalf("dequeue after enqueue %d: %d %v %v", i, v, empty, err)
		}
		for _, id := range c.ids {
			maxLen = max(maxLen, c.server(id).Stats().LogLen)
		}
	}
	// The window plus the few slots open at once.
	if maxLen > window+16 {
		t.Fatalf("log length reached %d over 800 ops, want <= %d", maxLen, window+16)
	}
	st := c.server("n1").Stats()
	if st.Compactions == 0 || st.LogBytes > 2*(16<<10) || st.AppliedSlot < 800 {
		t.Fatalf("stats after 800 ops: %+v; want compactions and a bounded log", st)
	}
	// A restart from the compacted log still has the right (empty) queue.
	c.stop("n1")
	c.start("n1", nil)
	if st := c.server("n1").Stats(); st.QueueLen != 0 || st.AppliedSlot == 0 {
		t.Fatalf("after restart from a snapshot: %+v", st)
	}
}

// TestAsyncAckLosesOnCrash: in async-ack mode, enqueues acknowledged by a
// node that crashes before its buffer is proposed are lost; in paxos mode
// the same run loses nothing.
func TestAsyncAckLosesOnCrash(t *testing.T) {
	for _, mode := range []queue.Mode{queue.ModePaxos, queue.ModeAsyncAck} {
		c := newCluster(t, 5, queue.Config{Mode: mode, AsyncFlush: time.Hour})
		cls := c.clients(2 * time.Second)
		ctx := context.Background()
		var acked []int64
		for i := range int64(10) {
			if err := cls["n1"].Enqueue(ctx, i); err != nil {
				t.Fatalf("%s: enqueue %d: %v", mode, i, err)
			}
			acked = append(acked, i)
		}
		if st := c.server("n1").Stats(); mode == queue.ModeAsyncAck && st.Buffered != 10 {
			t.Fatalf("async-ack buffered %d, want 10", st.Buffered)
		}
		c.stop("n1") // the crash
		c.start("n1", nil)
		got := c.drain(cls)
		switch mode {
		case queue.ModePaxos:
			if !slices.Equal(got, acked) {
				t.Fatalf("paxos: drained %v after a crash, want %v", got, acked)
			}
		case queue.ModeAsyncAck:
			if len(got) != 0 {
				t.Fatalf("async-ack: drained %v; the crash should have lost all 10 buffered enqueues", got)
			}
		}
	}
}

func TestAsyncAckDeliversWithoutCrash(t *testing.T) {
	c := newCluster(t, 3, queue.Config{Mode: queue.ModeAsyncAck, AsyncFlush: 20 * time.Millisecond})
	cls := c.clients(2 * time.Second)
	ctx := context.Background()
	for i := range int64(5) {
		if err := cls["n2"].Enqueue(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the buffer being proposed", func() bool { return c.server("n2").Stats().Buffered == 0 && c.server("n2").Stats().QueueLen == 5 })
	if got := c.drain(cls); !slices.Equal(got, []int64{0, 1, 2, 3, 4}) {
		t.Fatalf("drained %v", got)
	}
}

func TestTimeoutOnMinorityIsDefiniteBeforeProposing(t *testing.T) {
	c := newCluster(t, 5, queue.Config{OpTimeout: 300 * time.Millisecond})
	cls := c.clients(2 * time.Second)
	c.net.Split([]string{"n1", "n2"}, []string{"n3", "n4", "n5"})
	err := cls["n1"].Enqueue(context.Background(), 7)
	if err == nil {
		t.Fatal("enqueue on a minority succeeded")
	}
	var qe *queue.Error
	if !errors.As(err, &qe) || qe.Status == 0 {
		t.Fatalf("error %v is not a server answer", err)
	}
	// Whatever the classification, the cluster must stay consistent: a
	// definite failure must never show up later.
	c.net.Heal()
	got := c.drain(cls)
	if queue.Definite(err) && slices.Contains(got, 7) {
		t.Fatalf("definitely failed enqueue 7 was applied: %v", got)
	}
}
