package nemesis

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// fakeTicker is a ticker the test feeds; it counts starts and stops.
type fakeTicker struct {
	ch            chan time.Time
	mu            sync.Mutex
	starts, stops int
	lastPeriod    time.Duration
}

func (f *fakeTicker) new(d time.Duration) (<-chan time.Time, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts++
	f.lastPeriod = d
	return f.ch, func() { f.mu.Lock(); f.stops++; f.mu.Unlock() }
}

func (f *fakeTicker) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts, f.stops
}

// tickAndWait has the sampling loop take one reading and waits until it
// is stored (a wait for an event, bounded only to fail instead of hang).
func tickAndWait(t *testing.T, c *Clock, f *fakeTicker) {
	t.Helper()
	c.mu.Lock()
	n := len(c.readings)
	c.mu.Unlock()
	f.ch <- time.Now()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		got := len(c.readings)
		c.mu.Unlock()
		if got > n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the sampling loop took no reading after a tick")
		}
	}
}

// While a skew is in place the nemesis reads every clock at each tick,
// and the next op carries those readings, oldest first, timed back from
// its completion; it stops reading when the clocks are reset, and Heal
// stops it too.
func TestClockSamplesWhileSkewed(t *testing.T) {
	ctx := context.Background()
	net, env := newFakeNet(3)
	env.Target = newFakeTarget(net)
	opts := fastClock
	opts.SampleEvery = 0 // the default, a second
	c, err := NewClockWith(env, rand.New(rand.NewPCG(1, 1)), opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeTicker{ch: make(chan time.Time)}
	c.ticker = f.new

	done := c.Invoke(ctx, killOp("bump-clock", `{"n1": 3000000000}`))
	if done.Type != history.OK || clockValue(t, done).Samples != nil {
		t.Fatalf("bump = %s %s %q: want ok, no readings yet", done.Type, done.Value, done.Error)
	}
	if starts, _ := f.counts(); starts != 1 || f.lastPeriod != time.Second {
		t.Fatalf("sampling started %d times, every %v; want once, every 1s", starts, f.lastPeriod)
	}
	for range 3 {
		tickAndWait(t, c, f)
	}
	done = c.Invoke(ctx, killOp("bump-clock", `{"n2": -2000000000}`))
	v := clockValue(t, done)
	if done.Type != history.OK || len(v.Samples) != 3 {
		t.Fatalf("second bump = %s %s: want ok with the 3 readings", done.Type, done.Value)
	}
	for i, r := range v.Samples {
		if len(r.OffsetsNs) != 3 || !near(r.OffsetsNs["n1"], 3e9) || !near(r.OffsetsNs["n2"], 0) || !near(r.OffsetsNs["n3"], 0) {
			t.Errorf("reading %d: %v, want n1 at +3s and the others at 0", i, r.OffsetsNs)
		}
		if r.AgoNs < 0 || (i > 0 && r.AgoNs > v.Samples[i-1].AgoNs) {
			t.Errorf("readings' ago_ns %d after %d: want oldest first, none after the op", r.AgoNs, v.Samples[max(i-1, 0)].AgoNs)
		}
	}
	// The readings are in the history's JSON as the reports read them.
	var raw struct {
		Samples []map[string]json.RawMessage `json:"samples"`
	}
	if json.Unmarshal(done.Value, &raw) != nil || len(raw.Samples) != 3 || raw.Samples[0]["ago_ns"] == nil || raw.Samples[0]["offsets_ns"] == nil {
		t.Fatalf("value %s: want samples [{ago_ns, offsets_ns}, ...]", done.Value)
	}
	if starts, stops := f.counts(); starts != 1 || stops != 0 {
		t.Fatalf("a second bump restarted (%d) or stopped (%d) the sampling", starts, stops)
	}

	tickAndWait(t, c, f)
	done = c.Invoke(ctx, killOp("reset-clock", ""))
	v = clockValue(t, done)
	if done.Type != history.OK || len(v.Samples) != 1 || !near(v.Samples[0].OffsetsNs["n2"], -2e9) {
		t.Fatalf("reset = %s %s: want ok with the reading of n1 +3s, n2 -2s", done.Type, done.Value)
	}
	if _, stops := f.counts(); stops != 1 || c.sampler != nil {
		t.Fatalf("sampling not stopped by the reset (%d stops)", stops)
	}
	if done := c.Invoke(ctx, killOp("reset-clock", "")); clockValue(t, done).Samples != nil {
		t.Fatalf("a reset with no skew carries readings: %s", done.Value)
	}
	if starts, _ := f.counts(); starts != 1 {
		t.Fatalf("sampling restarted with no skew in place")
	}

	// A new skew starts it again; Heal stops it and drops what no op
	// will report.
	c.Invoke(ctx, killOp("bump-clock", `["n3"]`))
	tickAndWait(t, c, f)
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	if starts, stops := f.counts(); starts != 2 || stops != 2 || c.sampler != nil || c.readings != nil {
		t.Fatalf("after heal: %d starts, %d stops, readings %v", starts, stops, c.readings)
	}
}

// With SampleEvery negative (fastClock) nothing is read between ops.
func TestClockSamplingOff(t *testing.T) {
	_, _, c := newTestClock(t, 3, 1)
	f := &fakeTicker{ch: make(chan time.Time)}
	c.ticker = f.new
	if done := c.Invoke(context.Background(), killOp("bump-clock", `"all"`)); done.Type != history.OK {
		t.Fatalf("bump = %s %q", done.Type, done.Error)
	}
	if starts, _ := f.counts(); starts != 0 || c.sampler != nil {
		t.Fatal("sampling started with SampleEvery negative")
	}
}
