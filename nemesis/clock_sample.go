package nemesis

import (
	"context"
	"sync"
	"time"
)

// ClockReading is one reading of every node's clock that the clock
// nemesis took between its ops while a skew was in place. The op that
// completes next carries the readings taken since the one before
// (ClockValue.Samples), so the history shows the offsets held, not only
// the moments they changed; the nemesis takes no op of its own for them,
// and the history's format is unchanged.
type ClockReading struct {
	// AgoNs is how long before the reporting op completed the reading was
	// taken (the history times the completion; the nemesis does not know
	// the run's clock).
	AgoNs int64 `json:"ago_ns"`
	// OffsetsNs are the measured offsets of every node that answered.
	OffsetsNs map[string]int64 `json:"offsets_ns"`
}

// maxClockReadings bounds the readings one op carries: an hour of them at
// the default period. Readings past it are not kept.
const maxClockReadings = 3600

// clockReading is a ClockReading before it is reported.
type clockReading struct {
	at      time.Time // the controller's time (c.now) mid-reading
	offsets map[string]int64
}

// clockSampler is a running sampling loop.
type clockSampler struct {
	stop, done chan struct{}
}

// newTicker is time.NewTicker as a channel and a stop function (tests
// replace Clock.ticker with a channel they feed).
func newTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// skewed reports whether any node's clock holds an offset as far as c
// knows. c.mu must be held.
func (c *Clock) skewed() bool {
	for _, off := range c.set {
		if off != 0 {
			return true
		}
	}
	return false
}

// updateSampling starts the sampling loop when a skew is in place and it
// is not running, and stops it (waiting for a reading in progress) when
// none is. Only a nemesis that can read clocks samples, and only when
// SampleEvery is positive.
func (c *Clock) updateSampling() {
	c.mu.Lock()
	skewed, s := c.skewed(), c.sampler
	if skewed && s == nil && c.opts.SampleEvery > 0 && (c.clk != nil || c.system()) {
		s = &clockSampler{stop: make(chan struct{}), done: make(chan struct{})}
		c.sampler = s
		tick, stop := c.ticker(c.opts.SampleEvery)
		go c.sampleLoop(s, tick, stop)
	}
	c.mu.Unlock()
	if !skewed {
		c.stopSampling()
	}
}

// stopSampling stops the sampling loop, if any, and waits for it to end.
func (c *Clock) stopSampling() {
	c.mu.Lock()
	s := c.sampler
	c.sampler = nil
	c.mu.Unlock()
	if s != nil {
		close(s.stop)
		<-s.done
	}
}

// sampleLoop reads every node's clock at each tick until s is stopped.
func (c *Clock) sampleLoop(s *clockSampler, tick <-chan time.Time, stopTicker func()) {
	defer close(s.done)
	defer stopTicker()
	for {
		select {
		case <-s.stop:
			return
		case <-tick:
		}
		before := c.now()
		offsets := map[string]int64{}
		var mu sync.Mutex
		eachOf(c.env.Nodes, func(n string) error {
			off, err := c.readOffset(context.Background(), n) // bounded: a second a read
			if err == nil {
				mu.Lock()
				offsets[n] = off
				mu.Unlock()
			}
			return err
		})
		after := c.now()
		if len(offsets) == 0 {
			continue // no node answered: nothing measured
		}
		c.mu.Lock()
		if len(c.readings) < maxClockReadings {
			c.readings = append(c.readings, clockReading{at: before.Add(after.Sub(before) / 2), offsets: offsets})
		}
		c.mu.Unlock()
	}
}

// takeReadings returns the readings taken since the last call, oldest
// first (the loop appends them in order), timed back from now; nil when
// there are none.
func (c *Clock) takeReadings() []ClockReading {
	c.mu.Lock()
	rs := c.readings
	c.readings = nil
	c.mu.Unlock()
	if len(rs) == 0 {
		return nil
	}
	now := c.now()
	out := make([]ClockReading, len(rs))
	for i, r := range rs {
		out[i] = ClockReading{AgoNs: max(now.Sub(r.at).Nanoseconds(), 0), OffsetsNs: r.offsets}
	}
	return out
}
