package kv_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/ring"
)

// register is what a workload worker at cl's node would get: a Session in
// session mode, the shared Client otherwise.
func register(mode kv.Mode, cl *kv.Client) api.Register {
	if mode.Session() {
		return kv.NewSession(cl)
	}
	return cl
}

// sessionSetup is key "x" in a 5-node cluster: its replicas in ring order,
// a node that is none of them (the client's), and plain clients.
type sessionSetup struct {
	c    *cluster
	cls  map[string]*kv.Client
	reps []string
	a    string // the session's node: no replica of x
}

func newSessionSetup(t *testing.T, mode kv.Mode) sessionSetup {
	t.Helper()
	c := newCluster(t, 5, mode)
	reps := ring.New(c.ids, ring.DefaultVNodes).Replicas("x", 3)
	s := sessionSetup{c: c, cls: c.clients(2 * time.Second), reps: reps}
	for _, id := range c.ids {
		if !slices.Contains(reps, id) {
			s.a = id
			break
		}
	}
	return s
}

// except is every node but the given ones.
func (s sessionSetup) except(ids ...string) []string {
	var out []string
	for _, id := range s.c.ids {
		if !slices.Contains(ids, id) {
			out = append(out, id)
		}
	}
	return out
}

// waitReplicas waits until the given replicas of key all hold want in
// their own stores.
func (s sessionSetup) waitReplicas(t *testing.T, key string, want int64, ids ...string) {
	t.Helper()
	var why string
	for range 200 {
		why = ""
		for _, id := range ids {
			lv, err := s.cls[id].LocalRead(context.Background(), key)
			if err != nil || lv.Value == nil || *lv.Value != want {
				why = fmt.Sprintf("replica %s holds %+v (%v)", id, lv, err)
				break
			}
		}
		if why == "" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("replicas %v of %s never all held %d: %s", ids, key, want, why)
}

// local is what replica id stores for key (nil: nothing).
func (s sessionSetup) local(t *testing.T, id, key string) *int64 {
	t.Helper()
	lv, err := s.cls[id].LocalRead(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return lv.Value
}

// wantDefinite503 fails unless err is a definite 503.
func wantDefinite503(t *testing.T, what string, err error) {
	t.Helper()
	var e *kv.Error
	if !errors.Is(err, kv.ErrDefinite) || !errors.As(err, &e) || e.Status != 503 {
		t.Fatalf("%s: %v; want a definite 503", what, err)
	}
}

// TestSessionReadsItsWrites: a client writes 2 over 1 at its node A (no
// replica of x) while only the first replica r0 is reachable, so r1 and r2
// keep 1; then r0 is cut off and A reaches only r1 and r2. A one client's
// read returns the stale 1 (read-your-writes broken); a session client's
// read fails definitely, and after the heal returns 2, never 1.
func TestSessionReadsItsWrites(t *testing.T) {
	for _, mode := range []kv.Mode{kv.ModeOne, kv.ModeSession} {
		t.Run(string(mode), func(t *testing.T) {
			s := newSessionSetup(t, mode)
			ctx := context.Background()
			r0, r1, r2 := s.reps[0], s.reps[1], s.reps[2]
			if err := s.cls[r1].Write(ctx, "x", 1); err != nil {
				t.Fatal(err)
			}
			s.waitReplicas(t, "x", 1, s.reps...)

			c := register(mode, s.cls[s.a])
			s.c.net.Split([]string{s.a, r0}, s.except(s.a, r0))
			if err := c.Write(ctx, "x", 2); err != nil {
				t.Fatalf("write via %s with %s reachable: %v", s.a, r0, err)
			}
			if v := s.local(t, r0, "x"); v == nil || *v != 2 {
				t.Fatalf("%s (the first replica, reachable) holds %v, want 2", r0, v)
			}
			for _, id := range []string{r1, r2} {
				if v := s.local(t, id, "x"); v == nil || *v != 1 {
					t.Fatalf("%s (cut off) holds %v, want the old 1", id, v)
				}
			}

			// Now r0 alone is cut off: A reaches only the stale replicas.
			s.c.net.Split([]string{r0}, s.except(r0))
			v, err := c.Read(ctx, "x")
			switch mode {
			case kv.ModeOne:
				if err != nil || v == nil || *v != 1 {
					t.Fatalf("one: read via %s = %v, %v; want the stale 1 (one keeps no session)", s.a, v, err)
				}
				t.Logf("one: read via %s after its own write of 2 returned the stale 1", s.a)
				// A one node refuses session parameters.
				_, _, err := s.cls[s.a].ReadAtLeast(ctx, "x", kv.Version{TS: 1, Node: "n1"})
				var e *kv.Error
				if !errors.Is(err, kv.ErrDefinite) || !errors.As(err, &e) || e.Status != 400 {
					t.Fatalf("one: read with a minimum version = %v; want a definite 400", err)
				}
				return
			case kv.ModeSession:
				if err == nil && (v == nil || *v != 2) {
					t.Fatalf("session: read via %s = %s after its own write of 2", s.a, show(v))
				}
				wantDefinite503(t, "session: read with only stale replicas reachable", err)
			}

			s.c.net.Heal()
			for i := 0; ; i++ {
				v, err := c.Read(ctx, "x")
				if err == nil && (v == nil || *v != 2) {
					t.Fatalf("session: read %d after the heal = %s, after its own write of 2", i, show(v))
				}
				if err == nil {
					break
				}
				if !errors.Is(err, kv.ErrDefinite) || i > 100 {
					t.Fatalf("session: read %d after the heal: %v", i, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestSessionMonotonicReads: another client writes 2 over 1 at r0 while r0
// is cut from r1 and r2; the reader at A, reaching only r0, reads 2. Then
// only r0 is cut off: a one reader goes back in time to 1; a session
// reader fails definitely instead, and across the heal never reads 1.
func TestSessionMonotonicReads(t *testing.T) {
	for _, mode := range []kv.Mode{kv.ModeOne, kv.ModeSession} {
		t.Run(string(mode), func(t *testing.T) {
			s := newSessionSetup(t, mode)
			ctx := context.Background()
			r0 := s.reps[0]
			if err := s.cls[s.reps[1]].Write(ctx, "x", 1); err != nil {
				t.Fatal(err)
			}
			s.waitReplicas(t, "x", 1, s.reps...)

			s.c.net.Split([]string{s.a, r0}, s.except(s.a, r0))
			if err := register(mode, s.cls[r0]).Write(ctx, "x", 2); err != nil {
				t.Fatal(err)
			}
			reader := register(mode, s.cls[s.a])
			if v, err := reader.Read(ctx, "x"); err != nil || v == nil || *v != 2 {
				t.Fatalf("read via %s reaching only %s = %v, %v; want 2", s.a, r0, v, err)
			}

			s.c.net.Split([]string{r0}, s.except(r0))
			v, err := reader.Read(ctx, "x")
			if mode == kv.ModeOne {
				if err != nil || v == nil || *v != 1 {
					t.Fatalf("one: read after reading 2, with %s cut off = %v, %v; want the older 1", r0, v, err)
				}
				t.Logf("one: read 2, then 1")
				return
			}
			if err == nil && (v == nil || *v != 2) {
				t.Fatalf("session: read %s after reading 2", show(v))
			}
			wantDefinite503(t, "session: read with only older replicas reachable", err)

			s.c.net.Heal()
			ok := 0
			for i := 0; i < 200 && ok < 20; i++ {
				v, err := reader.Read(ctx, "x")
				switch {
				case err == nil && (v == nil || *v != 2):
					t.Fatalf("session: read %d across the heal = %s after reading 2", i, show(v))
				case err == nil:
					ok++
				case !errors.Is(err, kv.ErrDefinite):
					t.Fatalf("session: read %d across the heal: %v", i, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if ok < 20 {
				t.Fatalf("session: only %d reads succeeded after the heal", ok)
			}
		})
	}
}

// TestSessionWritesAboveItsVersion: a clock behind cannot order a
// session's write before what the session wrote (monotonic writes: the
// node's clock is stepped back an hour between two writes) or read
// (writes-follow-reads: the reader's node is an hour behind the writer's).
// In one mode the later write loses and the replicas converge to the
// earlier value; in session mode they converge to the later one.
func TestSessionWritesAboveItsVersion(t *testing.T) {
	for _, mode := range []kv.Mode{kv.ModeOne, kv.ModeSession} {
		t.Run(string(mode)+"/monotonic-writes", func(t *testing.T) {
			s := newSessionSetup(t, mode)
			ctx := context.Background()
			c := register(mode, s.cls[s.a])
			if err := c.Write(ctx, "x", 1); err != nil {
				t.Fatal(err)
			}
			var before kv.Version
			if sess, ok := c.(*kv.Session); ok {
				before = sess.Seen("x")
			}
			s.c.setClock(s.a, -time.Hour)
			waitClock(t, s.c, s.a, -time.Hour)
			if err := c.Write(ctx, "x", 2); err != nil {
				t.Fatal(err)
			}
			if mode == kv.ModeOne {
				s.waitReplicas(t, "x", 1, s.reps...)
				t.Logf("one: the write of 2 after the clock stepped back lost to 1")
				return
			}
			after := c.(*kv.Session).Seen("x")
			if after.TS <= before.TS || after.Node != s.a {
				t.Fatalf("session: second write stamped %d.%s, first %d.%s; want above", after.TS, after.Node, before.TS, before.Node)
			}
			if now := time.Now().Add(-time.Hour).UnixNano(); after.TS > now+int64(time.Minute) {
				t.Logf("session: second write stamped %d, %v above the node's clock", after.TS, time.Duration(after.TS-now))
			}
			s.waitReplicas(t, "x", 2, s.reps...)
		})

		t.Run(string(mode)+"/writes-follow-reads", func(t *testing.T) {
			s := newSessionSetup(t, mode)
			ctx := context.Background()
			w := s.except(s.reps...)
			skewed := w[len(w)-1] // the other non-replica
			if skewed == s.a {
				t.Fatalf("want two non-replicas of x, have %v", w)
			}
			s.c.setClock(skewed, -time.Hour)
			waitClock(t, s.c, skewed, -time.Hour)
			if err := register(mode, s.cls[s.a]).Write(ctx, "x", 1); err != nil {
				t.Fatal(err)
			}
			s.waitReplicas(t, "x", 1, s.reps...)
			c := register(mode, s.cls[skewed])
			if v, err := c.Read(ctx, "x"); err != nil || v == nil || *v != 1 {
				t.Fatalf("read via %s = %v, %v; want 1", skewed, v, err)
			}
			if err := c.Write(ctx, "x", 2); err != nil {
				t.Fatal(err)
			}
			if mode == kv.ModeOne {
				s.waitReplicas(t, "x", 1, s.reps...)
				t.Logf("one: the write of 2 after reading 1, via a node an hour behind, lost to 1")
				return
			}
			if got := c.(*kv.Session).Seen("x"); got.Node != skewed {
				t.Fatalf("session: after its write the session's version of x is %+v, want %s's", got, skewed)
			}
			s.waitReplicas(t, "x", 2, s.reps...)
			for _, id := range s.c.ids {
				if v, err := register(mode, s.cls[id]).Read(ctx, "x"); err != nil || v == nil || *v != 2 {
					t.Fatalf("session: read via %s = %v, %v; want 2", id, v, err)
				}
			}
		})
	}
}
