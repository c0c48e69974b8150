package reports

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// timeTickCandidates are the steps, in seconds, the time axis may tick
// at: round numbers of seconds, minutes and hours, none more than 2.5
// times the one before.
var timeTickCandidates = []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600,
	7200, 10800, 21600, 43200, 86400, 172800, 345600, 691200, 1382400, 2764800}

// timeTickCount is how many ticks step puts on [0, end]: 0, step, ...
func timeTickCount(end, step float64) int { return int(math.Floor(end/step+1e-9)) + 1 }

// timeTickStep is the step of the time axis of a run end seconds long:
// every 10 s when that gives 5 to 12 ticks (runs of 40 s to 2 min); for
// shorter runs the longest step that gives at least 5, for longer ones the
// shortest that gives at most 12 (30 s, 1 min, 2 min, 5 min, ...).
func timeTickStep(end float64) float64 {
	const preferred = 6 // index of 10 s
	n := timeTickCount(end, timeTickCandidates[preferred])
	switch {
	case n < 5:
		for i := preferred - 1; i >= 0; i-- {
			if timeTickCount(end, timeTickCandidates[i]) >= 5 {
				return timeTickCandidates[i]
			}
		}
		return timeTickCandidates[0]
	case n > 12:
		for _, s := range timeTickCandidates[preferred+1:] {
			if timeTickCount(end, s) <= 12 {
				return s
			}
		}
		return timeTickCandidates[len(timeTickCandidates)-1]
	}
	return timeTickCandidates[preferred]
}

// timeTicks ticks the time axis at every multiple of step seconds,
// labelled in seconds ("0", "10", "20", ...).
type timeTicks struct{ step float64 }

// Ticks implements plot.Ticker.
func (t timeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(t.step > 0) || !(hi >= lo) {
		return nil
	}
	var out []plot.Tick
	for i := math.Ceil(lo/t.step - 1e-9); i*t.step <= hi+1e-9*t.step; i++ {
		v := i * t.step
		if v == 0 {
			v = 0 // never -0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)})
	}
	return out
}

// linearTicks ticks a linear axis at a round step (1, 2 or 5 times a
// power of ten) that gives 3 to 7 labelled ticks, each labelled with as
// many decimals as the step has.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return nil
	}
	raw := span / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var out []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+1e-9*step; i++ {
		v := i * step
		if v == 0 {
			v = 0 // never -0
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return out
}

// logTicks ticks a log axis at 1 to 9 times each power of ten, labelling
// the powers of ten and, when the range spans less than two decades, the
// 2s and 5s too, so that any range logRange gives has at least two
// labels.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	many := math.Log10(hi/lo) < 2
	var out []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for k := 1; k <= 9; k++ {
			v, _ := strconv.ParseFloat(fmt.Sprintf("%de%d", k, e), 64) // exact, unlike k*10^e
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if k == 1 || (many && (k == 2 || k == 5)) {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			out = append(out, t)
		}
	}
	return out
}

// logRange is a log axis range fitting ys (all > 0): a quarter beyond the
// extremes each way, widened about their geometric middle to a ratio of
// at least 5 (so that the axis has two labelled ticks), and no lower than
// 0.001 (millis' floor). No values: 1 to 10.
func logRange(ys []float64) (lo, hi float64) {
	if len(ys) == 0 {
		return 1, 10
	}
	lo, hi = ys[0], ys[0]
	for _, y := range ys {
		lo, hi = min(lo, y), max(hi, y)
	}
	lo, hi = max(lo, 1e-3)/1.25, max(hi, 1e-3)*1.25
	if hi/lo < 5 {
		g := math.Sqrt(lo * hi)
		lo, hi = g/math.Sqrt(5), g*math.Sqrt(5)
	}
	if lo < 1e-3 {
		lo, hi = 1e-3, max(hi, 5e-3)
	}
	return lo, hi
}

// linearRange is a linear axis range fitting ys: from the least to the
// greatest, spanning at least minSpan, with 6% of the span beyond each end
// except at a least value of 0 (counts and rates start at the axis).
func linearRange(ys []float64, minSpan float64) (lo, hi float64) {
	if len(ys) == 0 {
		return 0, minSpan
	}
	lo, hi = ys[0], ys[0]
	for _, y := range ys {
		lo, hi = min(lo, y), max(hi, y)
	}
	span := max(hi-lo, minSpan)
	pad := span * 0.06
	if hi-lo < minSpan {
		hi = lo + minSpan
	}
	if lo != 0 {
		lo -= pad
	}
	return lo, hi + pad
}
