package reports

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

// Sample is one completed client op as the plots see it.
type Sample struct {
	Time    int64        // invoke time, ns since the run started
	Done    int64        // completion time
	Latency int64        // Done - Time, ns
	F       string       // read, write, cas, ...
	Type    history.Type // ok, fail or info
	// Refused: a fail the op's semantics caused (a cas mismatch): the
	// system answered.
	Refused bool
}

// Answered reports whether the system answered the op: ok, or refused by
// its semantics.
func (s Sample) Answered() bool { return s.Type == history.OK || s.Refused }

// Samples lists h's completed client ops in invoke order. Open invokes
// (the run ended first) have no latency and are left out.
func Samples(h history.History) []Sample {
	var out []Sample
	for _, p := range h.Pairs() {
		if p.Invoke.IsNemesis() || p.Completion == nil {
			continue
		}
		c := p.Completion
		out = append(out, Sample{Time: p.Invoke.Time, Done: c.Time, Latency: c.Time - p.Invoke.Time, F: p.Invoke.F, Type: c.Type, Refused: c.IsRefused()})
	}
	return out
}

// Quantile returns the q-quantile (0 < q <= 1) of sorted by the
// nearest-rank method: the smallest value with at least q of the values at
// or below it. sorted must be ascending and non-empty.
func Quantile(sorted []int64, q float64) int64 {
	r := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(r, 0), len(sorted)-1)]
}

// Window is the latency distribution of the ops invoked in [Start, End).
type Window struct {
	Start, End         int64
	N                  int
	P50, P95, P99, Max int64 // ns; zero when N is 0
}

// LatencyWindows buckets samples by invoke time into windows of width w
// from 0 to the last sample, and returns each window's quantiles. Windows
// without ops are kept (N == 0) so that gaps show as gaps.
func LatencyWindows(samples []Sample, w time.Duration) []Window {
	if len(samples) == 0 || w <= 0 {
		return nil
	}
	var last int64
	for _, s := range samples {
		last = max(last, s.Time)
	}
	n := int(last/int64(w)) + 1
	buckets := make([][]int64, n)
	for _, s := range samples {
		i := int(s.Time / int64(w))
		buckets[i] = append(buckets[i], s.Latency)
	}
	out := make([]Window, n)
	for i, b := range buckets {
		win := Window{Start: int64(i) * int64(w), End: int64(i+1) * int64(w), N: len(b)}
		if len(b) > 0 {
			sort.Slice(b, func(x, y int) bool { return b[x] < b[y] })
			win.P50, win.P95, win.P99, win.Max = Quantile(b, 0.5), Quantile(b, 0.95), Quantile(b, 0.99), b[len(b)-1]
		}
		out[i] = win
	}
	return out
}

// Series names one line of the rate plot: an operation and an outcome.
type Series struct {
	F    string
	Type history.Type
}

// Rate is one point of a rate series: completions per second over
// [Start, End), the part of one window that the run's client ops covered.
type Rate struct {
	Start, End int64 // ns since the run started
	PerSec     float64
}

// Rates counts completions per second in windows of width w by completion
// time, per operation and outcome. The windows tile the span the client
// ops cover, from the first invoke to the last completion; the first and
// last windows are usually cut by that span, so each rate is over the part
// of its window inside it, and a window less than half inside it is left
// out (a few ops over a sliver of time are no rate) unless none is more
// than half inside it. Every series has the same windows, so lines drop to zero where
// nothing of theirs completed.
func Rates(samples []Sample, w time.Duration) map[Series][]Rate {
	if len(samples) == 0 || w <= 0 {
		return nil
	}
	first, last := samples[0].Time, samples[0].Done
	for _, s := range samples {
		first, last = min(first, s.Time), max(last, s.Done)
	}
	width := int64(w)
	n := int(last/width) + 1
	counts := map[Series][]int{}
	for _, s := range samples {
		k := Series{s.F, s.Type}
		if counts[k] == nil {
			counts[k] = make([]int, n)
		}
		counts[k][min(max(s.Done/width, 0), int64(n-1))]++
	}
	type span struct {
		i          int
		start, end int64
	}
	var spans []span
	for i := range n {
		start, end := max(int64(i)*width, first), min(int64(i+1)*width, last)
		if end <= start {
			continue
		}
		spans = append(spans, span{i, start, end})
	}
	if len(spans) == 0 { // every op began and ended at one instant
		spans = []span{{int(last / width), first, first + 1}}
	}
	var kept []span
	longest := spans[0]
	for _, sp := range spans {
		if 2*(sp.end-sp.start) >= width {
			kept = append(kept, sp)
		}
		if sp.end-sp.start > longest.end-longest.start {
			longest = sp
		}
	}
	if len(kept) == 0 { // a run shorter than a window: its longest piece
		kept = []span{longest}
	}
	spans = kept
	out := map[Series][]Rate{}
	for k, c := range counts {
		rs := make([]Rate, len(spans))
		for j, sp := range spans {
			rs[j] = Rate{Start: sp.start, End: sp.end, PerSec: float64(c[sp.i]) * float64(time.Second) / float64(sp.end-sp.start)}
		}
		out[k] = rs
	}
	return out
}

// ClockSample is one node's measured clock offset at a time.
type ClockSample struct {
	Time   int64 // ns since the run started (the nemesis op's completion)
	Node   string
	Offset int64 // ns; positive: the node's clock is ahead
}

// ClockOffsets reads the clock nemesis's measurements, in time order:
// completions of bump-clock, strobe-clock and reset-clock (or any nemesis
// op) whose value is an object {"offsets_ns": {"n1": 123, ...}}, measured
// as the op completed, and its "samples": [{"ago_ns": d, "offsets_ns":
// {...}}, ...], the readings the nemesis took every second or so while a
// skew was in place, d before the op completed. Nil when the clock
// nemesis did not run.
func ClockOffsets(h history.History) []ClockSample {
	var out []ClockSample
	for _, op := range h {
		if !op.IsNemesis() || op.Type == history.Invoke || len(op.Value) == 0 || op.Value[0] != '{' {
			continue
		}
		var v struct {
			Offsets map[string]int64 `json:"offsets_ns"`
			Samples []struct {
				AgoNs   int64            `json:"ago_ns"`
				Offsets map[string]int64 `json:"offsets_ns"`
			} `json:"samples"`
		}
		if json.Unmarshal(op.Value, &v) != nil {
			continue
		}
		for _, s := range v.Samples {
			// A reading cannot postdate the op that reports it, nor
			// precede the run.
			at := op.Time - min(max(s.AgoNs, 0), op.Time)
			for _, node := range sortedKeys(s.Offsets) {
				out = append(out, ClockSample{Time: at, Node: node, Offset: s.Offsets[node]})
			}
		}
		for _, node := range sortedKeys(v.Offsets) {
			out = append(out, ClockSample{Time: op.Time, Node: node, Offset: v.Offsets[node]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out
}

// Availability is the share of client ops that succeeded, split by whether
// a fault was in place when they were invoked.
type Availability struct {
	DuringOK, DuringTotal   int
	OutsideOK, OutsideTotal int
	// ByFamily counts, per fault family, the ops invoked while a fault of
	// that family was in place: answered and total.
	ByFamily map[string][2]int
}

// During is the fraction of ops invoked during a fault that were answered
// (ok, or refused by their semantics); NaN when there were none.
func (a Availability) During() float64 { return ratio(a.DuringOK, a.DuringTotal) }

// Outside is the fraction of ops invoked with no fault in place that were
// answered; NaN when there were none.
func (a Availability) Outside() float64 { return ratio(a.OutsideOK, a.OutsideTotal) }

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Avail computes the availability of samples under faults fs: an op is
// available when it was answered (ok, or refused by its semantics, as a cas
// whose old value did not match), per fault family and overall.
func Avail(samples []Sample, fs []fault.Interval) Availability {
	a := Availability{ByFamily: map[string][2]int{}}
	for _, s := range samples {
		ok := 0
		if s.Answered() {
			ok = 1
		}
		in := fault.At(fs, s.Time)
		if len(in) == 0 {
			a.OutsideTotal++
			a.OutsideOK += ok
			continue
		}
		a.DuringTotal++
		a.DuringOK += ok
		seen := map[string]bool{}
		for _, f := range in {
			if !seen[f.Family] {
				seen[f.Family] = true
				c := a.ByFamily[f.Family]
				a.ByFamily[f.Family] = [2]int{c[0] + ok, c[1] + 1}
			}
		}
	}
	return a
}

// bucketWidth picks a window for a run of length d: about 50 windows, on a
// round value (100ms, 200ms, 500ms, 1s, 2s, 5s, 10s, ...).
func bucketWidth(d time.Duration) time.Duration {
	target := d / 50
	for _, base := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond,
		time.Second, 10 * time.Second, 100 * time.Second, 1000 * time.Second} {
		for _, m := range []time.Duration{1, 2, 5} {
			if w := base * m; w >= target && w >= 100*time.Millisecond {
				return w
			}
		}
	}
	return time.Hour
}
