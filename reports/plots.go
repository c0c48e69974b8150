package reports

import (
	"fmt"
	"image/color"
	"io"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

const (
	plotWidth   = 11 * vg.Inch
	plotHeight  = 4 * vg.Inch
	legendWidth = 1.9 * vg.Inch
)

// opColours colour operations consistently across plots: the common ones
// fixed, others from the rest of the palette in name order.
var opPalette = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
}

func opColours(fs []string) map[string]color.RGBA {
	out := map[string]color.RGBA{}
	for i, f := range fs {
		out[f] = opPalette[i%len(opPalette)]
	}
	return out
}

// PlotSet is what the plots were drawn from, for the index page.
type PlotSet struct {
	// Names are the plots written (without extension), in display order.
	Names []string
}

// WritePlots draws every plot of h into dir/plots/ as PNG and SVG, with
// the faults shaded. The clock plot is drawn only when the history holds
// clock measurements.
func WritePlots(dir string, h history.History) (PlotSet, error) {
	var set PlotSet
	faults := fault.Intervals(h)
	samples := Samples(h)
	var end int64
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	w := bucketWidth(time.Duration(end))
	type job struct {
		name string
		draw func() (*plot.Plot, *plot.Legend)
	}
	jobs := []job{
		{rundir.PlotLatencyRaw, func() (*plot.Plot, *plot.Legend) { return latencyRawPlot(samples, faults, end) }},
		{rundir.PlotLatencyQuantiles, func() (*plot.Plot, *plot.Legend) { return latencyQuantilesPlot(samples, faults, end, w) }},
		{rundir.PlotRate, func() (*plot.Plot, *plot.Legend) { return ratePlot(samples, faults, end, w) }},
	}
	if cs := ClockOffsets(h); len(cs) > 0 {
		jobs = append(jobs, job{rundir.PlotClock, func() (*plot.Plot, *plot.Legend) { return clockPlot(cs, faults, end) }})
	}
	for _, j := range jobs {
		p, l := j.draw()
		for _, ext := range rundir.PlotFormats {
			if err := savePlot(p, l, dir, rundir.Plot(j.name, ext), ext); err != nil {
				return set, err
			}
		}
		set.Names = append(set.Names, j.name)
	}
	return set, nil
}

// savePlot draws p with its legend in a column to the right of the data,
// where it hides nothing, into dir/name.
func savePlot(p *plot.Plot, l *plot.Legend, dir, name, format string) error {
	c, err := draw.NewFormattedCanvas(plotWidth, plotHeight, format)
	if err != nil {
		return fmt.Errorf("reports: plot %s: %w", name, err)
	}
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	lc := draw.Crop(dc, plotWidth-legendWidth+vg.Points(8), 0, 0, -vg.Points(30))
	l.Top, l.Left = true, true
	l.Draw(lc)
	return writeTo(dir, name, c)
}

// writeTo writes what wt writes into dir/name (rundir.Write).
func writeTo(dir, name string, wt io.WriterTo) error {
	return rundir.Write(dir, name, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}

// newPlot is a plot with the house style: a title, time in seconds on x
// from 0 to the end of the run, a grid, and the faults shaded underneath.
func newPlot(title, ylabel string, faults []fault.Interval, end int64) (*plot.Plot, *plot.Legend) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "time since start (s)"
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, max(secs(end), 1)
	p.Add(plotter.NewGrid())
	p.Add(&faultBands{faults: faults})
	l := plot.NewLegend()
	l.TextStyle.Font.Size = vg.Points(9)
	for _, fam := range fault.FamiliesOf(faults) {
		l.Add(fam+" (shaded)", bandThumb{fault.Colour(fam)})
	}
	return p, &l
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }
func millis(ns int64) float64 {
	return max(float64(ns)/1e6, 1e-3) // log scales need positive values
}

// faultBands shades each fault interval over the full height of the data
// area, in its family's colour, with its short label along the top.
type faultBands struct{ faults []fault.Interval }

func (b *faultBands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(8)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	var rowEnd [3]vg.Length // the x where the label row's last label ends
	for i := range rowEnd {
		rowEnd[i] = c.Min.X - 1
	}
	for _, f := range b.faults {
		x0, x1 := trX(secs(f.Start)), trX(secs(f.End))
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			x1 = x0 + 1
		}
		col := fault.Colour(f.Family)
		fill := color.NRGBA{R: col.R, G: col.G, B: col.B, A: 0x33}
		c.FillPolygon(fill, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		edge := draw.LineStyle{Color: color.NRGBA{R: col.R, G: col.G, B: col.B, A: 0x99}, Width: vg.Points(0.6)}
		c.StrokeLine2(edge, x0, c.Min.Y, x0, c.Max.Y)
		c.StrokeLine2(edge, x1, c.Min.Y, x1, c.Max.Y)
		label := f.Short
		if !f.Healed {
			label += " (never healed)"
		}
		sty.Color = color.RGBA{R: col.R / 3 * 2, G: col.G / 3 * 2, B: col.B / 3 * 2, A: 0xff}
		wd := sty.Rectangle(label).Max.X
		// The first label row where this label does not overlap the previous.
		row := 0
		for row < len(rowEnd)-1 && rowEnd[row] > x0 {
			row++
		}
		rowEnd[row] = x0 + wd + vg.Points(4)
		c.FillText(sty, vg.Point{X: x0 + vg.Points(2), Y: c.Max.Y - vg.Points(2) - vg.Length(row)*vg.Points(10)}, label)
	}
}

type bandThumb struct{ c color.RGBA }

func (t bandThumb) Thumbnail(c *draw.Canvas) {
	fill := color.NRGBA{R: t.c.R, G: t.c.G, B: t.c.B, A: 0x55}
	c.FillPolygon(fill, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

var typeShapes = map[history.Type]draw.GlyphDrawer{
	history.OK:   draw.CircleGlyph{},
	history.Fail: draw.CrossGlyph{},
	history.Info: draw.TriangleGlyph{},
}

var typeOrder = []history.Type{history.OK, history.Fail, history.Info}

func opNames(samples []Sample) []string {
	seen := map[string]bool{}
	for _, s := range samples {
		seen[s.F] = true
	}
	return sortedKeys(seen)
}

// latencyRawPlot: one point per op at (invoke time, latency), coloured by
// operation, shaped by outcome (ok: dot, fail: cross, info: triangle), on
// a log scale.
func latencyRawPlot(samples []Sample, faults []fault.Interval, end int64) (*plot.Plot, *plot.Legend) {
	p, l := newPlot("Latency of every client op, by operation and outcome", "latency (ms, log scale)", faults, end)
	setLogY(p, samples)
	fs := opNames(samples)
	cols := opColours(fs)
	for _, f := range fs {
		for _, t := range typeOrder {
			var xys plotter.XYs
			for _, s := range samples {
				if s.F == f && s.Type == t {
					xys = append(xys, plotter.XY{X: secs(s.Time), Y: millis(s.Latency)})
				}
			}
			if len(xys) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				continue
			}
			sc.GlyphStyle.Color = cols[f]
			sc.GlyphStyle.Shape = typeShapes[t]
			sc.GlyphStyle.Radius = vg.Points(1.6)
			if t != history.OK {
				sc.GlyphStyle.Radius = vg.Points(2.4)
			}
			p.Add(sc)
			l.Add(fmt.Sprintf("%s %s (%d)", f, t, len(xys)), sc)
		}
	}
	return p, l
}

func setLogY(p *plot.Plot, samples []Sample) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	lo, hi := 1.0, 10.0
	for i, s := range samples {
		v := millis(s.Latency)
		if i == 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	// Whole decades, with headroom above for the fault labels.
	p.Y.Min, p.Y.Max = decadeBelow(lo), decadeAbove(hi)*3
}

func decadeBelow(v float64) float64 {
	d := 1.0
	for d > v && d > 1e-3 {
		d /= 10
	}
	for d*10 <= v {
		d *= 10
	}
	return d
}

func decadeAbove(v float64) float64 {
	d := decadeBelow(v)
	if d < v {
		d *= 10
	}
	return d
}

var quantileStyles = []struct {
	name string
	col  color.RGBA
	get  func(Window) int64
}{
	{"p50", color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, func(w Window) int64 { return w.P50 }},
	{"p95", color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, func(w Window) int64 { return w.P95 }},
	{"p99", color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, func(w Window) int64 { return w.P99 }},
	{"max", color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, func(w Window) int64 { return w.Max }},
}

// latencyQuantilesPlot: p50, p95, p99 and max latency of all client ops
// per window, on a log scale; windows without ops leave gaps.
func latencyQuantilesPlot(samples []Sample, faults []fault.Interval, end int64, w time.Duration) (*plot.Plot, *plot.Legend) {
	// Answered ops only: a refused connection returns fast, so with
	// failures mixed in the median would seem to improve during a kill.
	var answered []Sample
	for _, s := range samples {
		if s.Answered() {
			answered = append(answered, s)
		}
	}
	p, l := newPlot(fmt.Sprintf("Latency quantiles of answered client ops (ok, or refused by their semantics), per %s window", w), "latency (ms, log scale)", faults, end)
	setLogY(p, answered)
	wins := LatencyWindows(answered, w)
	for _, q := range quantileStyles {
		var xys plotter.XYs
		for _, win := range wins {
			if win.N == 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: secs(win.Start+win.End) / 2, Y: millis(q.get(win))})
		}
		if len(xys) == 0 {
			continue
		}
		ln, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		ln.Color, ln.Width = q.col, vg.Points(1.5)
		pts.Color, pts.Radius, pts.Shape = q.col, vg.Points(1.8), draw.CircleGlyph{}
		p.Add(ln, pts)
		l.Add(q.name, ln, pts)
	}
	return p, l
}

var typeDashes = map[history.Type][]vg.Length{
	history.OK:   nil,
	history.Fail: {vg.Points(5), vg.Points(3)},
	history.Info: {vg.Points(1.5), vg.Points(2.5)},
}

// ratePlot: completions per second per window, a line per operation
// (colour) and outcome (ok solid, fail dashed, info dotted).
func ratePlot(samples []Sample, faults []fault.Interval, end int64, w time.Duration) (*plot.Plot, *plot.Legend) {
	p, l := newPlot(fmt.Sprintf("Throughput: completions per second, per %s window, by operation and outcome", w), "ops/s", faults, end)
	rates := Rates(samples, w)
	keys := make([]Series, 0, len(rates))
	for k := range rates {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].F != keys[j].F {
			return keys[i].F < keys[j].F
		}
		return typeRank(keys[i].Type) < typeRank(keys[j].Type)
	})
	cols := opColours(opNames(samples))
	top := 1.0
	for _, k := range keys {
		xys := make(plotter.XYs, len(rates[k]))
		for i, r := range rates[k] {
			xys[i] = plotter.XY{X: secs(int64(i)*int64(w) + int64(w)/2), Y: r}
			top = max(top, r)
		}
		ln, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		ln.Color, ln.Width, ln.Dashes = cols[k.F], vg.Points(1.4), typeDashes[k.Type]
		p.Add(ln)
		l.Add(k.F+" "+string(k.Type), ln)
	}
	p.Y.Min, p.Y.Max = 0, top*1.25 // headroom for the fault labels
	return p, l
}

func typeRank(t history.Type) int {
	for i, x := range typeOrder {
		if x == t {
			return i
		}
	}
	return len(typeOrder)
}

// clockPlot: each node's measured clock offset over time, in ms.
func clockPlot(cs []ClockSample, faults []fault.Interval, end int64) (*plot.Plot, *plot.Legend) {
	p, l := newPlot("Clock offset of each node, as measured by the clock nemesis", "offset (ms, + is ahead)", faults, end)
	byNode := map[string]plotter.XYs{}
	lo, hi := 0.0, 0.0
	for _, s := range cs {
		v := float64(s.Offset) / 1e6
		byNode[s.Node] = append(byNode[s.Node], plotter.XY{X: secs(s.Time), Y: v})
		lo, hi = min(lo, v), max(hi, v)
	}
	nodes := sortedKeys(byNode)
	cols := opColours(nodes)
	for _, n := range nodes {
		ln, pts, err := plotter.NewLinePoints(byNode[n])
		if err != nil {
			continue
		}
		ln.Color, ln.Width = cols[n], vg.Points(1.4)
		ln.StepStyle = plotter.PostStep // an offset holds until the next measurement
		pts.Color, pts.Radius, pts.Shape = cols[n], vg.Points(2.2), draw.CircleGlyph{}
		p.Add(ln, pts)
		l.Add(n, ln, pts)
	}
	span := max(hi-lo, 1)
	p.Y.Min, p.Y.Max = lo-span*0.1, hi+span*0.3
	return p, l
}
