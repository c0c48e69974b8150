package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/history"
)

// Stats summarises the client ops of a history: how many of each outcome,
// over how long, and the latency of the ok ones.
type Stats struct {
	OK, Fail, Info int
	// Span is from the first client invoke to the last client completion
	// of the workload (final reads excluded).
	Span time.Duration
	// P50, P99 and Max are latencies (invoke to completion) of ok ops.
	P50, P99, Max time.Duration
}

// Throughput is ok ops per second over Span.
func (s Stats) Throughput() float64 {
	if s.Span <= 0 {
		return 0
	}
	return float64(s.OK) / s.Span.Seconds()
}

func (s Stats) String() string {
	return fmt.Sprintf("ok=%d fail=%d info=%d span=%.1fs ok_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.1f",
		s.OK, s.Fail, s.Info, s.Span.Seconds(), s.Throughput(), ms(s.P50), ms(s.P99), ms(s.Max))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Summarise computes Stats over the client ops of h, leaving out nemesis
// ops and the final phase's final-read ops.
func Summarise(h history.History) Stats {
	var (
		s          Stats
		lat        []time.Duration
		first, end int64 = -1, 0
	)
	for _, p := range h.Pairs() {
		if p.Invoke.IsNemesis() || p.Invoke.F == "final-read" || p.Completion == nil {
			continue
		}
		if first < 0 || p.Invoke.Time < first {
			first = p.Invoke.Time
		}
		end = max(end, p.Completion.Time)
		switch p.Completion.Type {
		case history.OK:
			s.OK++
			lat = append(lat, time.Duration(p.Completion.Time-p.Invoke.Time))
		case history.Fail:
			s.Fail++
		default:
			s.Info++
		}
	}
	if first >= 0 {
		s.Span = time.Duration(end - first)
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		s.P50 = quantile(lat, 0.50)
		s.P99 = quantile(lat, 0.99)
		s.Max = lat[len(lat)-1]
	}
	return s
}

// quantile is the nearest-rank quantile of sorted xs.
func quantile(xs []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(xs))+0.5) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}
