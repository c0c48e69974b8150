package clock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Config is one skew setting: what the clock file holds.
type Config struct {
	// OffsetNS is added to the system time.
	OffsetNS int64 `json:"offset_ns"`
	// Rate is how fast the node clock runs relative to the system clock
	// from SinceNS on; 0 means 1 (no drift).
	// Invariant (after Parse): Rate > 0 and finite.
	Rate float64 `json:"rate,omitempty"`
	// SinceNS is the unix time (ns, system clock) at which Rate started.
	SinceNS int64 `json:"since_ns,omitempty"`
}

// Parse reads a clock file's contents. Empty (or all-space) data is the
// zero Config: no skew.
func Parse(data []byte) (Config, error) {
	var c Config
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return c, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("clock: bad clock file: %v (want {\"offset_ns\": int, \"rate\": float, \"since_ns\": int})", err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("clock: bad clock file: more than one JSON value")
	}
	if math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate < 0 {
		return Config{}, fmt.Errorf("clock: bad clock file: rate %v is not a positive number", c.Rate)
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	return c, nil
}

// rate is Rate with 0 read as 1.
func (c Config) rate() float64 {
	if c.Rate == 0 {
		return 1
	}
	return c.Rate
}

// At is the node time for system time sys: sys + offset + (rate-1)*(sys-since).
func (c Config) At(sys time.Time) time.Time {
	t := sys.Add(time.Duration(c.OffsetNS))
	if r := c.rate(); r != 1 {
		elapsed := float64(sys.UnixNano() - c.SinceNS)
		t = t.Add(time.Duration(elapsed * (r - 1)))
	}
	return t
}

// IsZero reports whether c means no skew at all.
func (c Config) IsZero() bool { return c.OffsetNS == 0 && c.rate() == 1 }
