package reports

import (
	"fmt"
	"image/color"
	"io"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
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

// anomalyColour is the colour of the anomaly markers: near black, unlike
// any fault family's.
var anomalyColour = color.RGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xff}

// PlotSet is what the plots were drawn from, for the index page.
type PlotSet struct {
	// Names are the plots written (without extension), in display order.
	Names []string
}

// PlotOptions tune WritePlots.
type PlotOptions struct {
	// Marks are times (ns since the run started) to mark on every plot
	// with a dashed vertical line labelled "anomaly": when the ops the
	// checkers could not fit completed. Times outside the run are
	// ignored.
	Marks []int64
}

// runPlot is one plot of a run, ready to lay out and draw.
type runPlot struct {
	// ylabel is drawn by savePlot, left of the data area: gonum centres
	// it and reserves room for it by the data's middle, which on a log
	// scale is not the axis's middle.
	name, title, ylabel string
	p                   *plot.Plot
	legend              []legendEntry
	marks               *anomalyMarkers // nil without marks
}

func (rp *runPlot) addLegend(text string, thumbs ...plot.Thumbnailer) {
	rp.legend = append(rp.legend, legendEntry{text, thumbs})
}

// WritePlots draws every plot of h into dir/plots/ as PNG (at twice the
// usual resolution, for sharp screens) and SVG, with the faults shaded and
// o.Marks marked. The clock plot is drawn only when the history holds
// clock measurements. Every plot spans the same time range, [0, end of
// the run], on the same data width, so they line up when stacked.
func WritePlots(dir string, h history.History, o PlotOptions) (PlotSet, error) {
	var set PlotSet
	plots, labels := runPlots(h, o)
	geoms := plotLayout(plots, labels)
	for i, rp := range plots {
		for _, ext := range rundir.PlotFormats {
			if err := savePlot(rp, geoms[i], dir, rundir.Plot(rp.name, ext), ext); err != nil {
				return set, err
			}
		}
		set.Names = append(set.Names, rp.name)
	}
	return set, nil
}

// runPlots builds the plots of h and the labels they share above their
// data areas: the anomaly markers', then the fault bands'.
func runPlots(h history.History, o PlotOptions) ([]*runPlot, []plotLabel) {
	faults := fault.Intervals(h)
	samples := Samples(h)
	var end int64
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	var marks []int64
	for _, t := range o.Marks {
		if t >= 0 && t <= end {
			marks = append(marks, t)
		}
	}
	w := bucketWidth(time.Duration(end))
	base := func(name, title, ylabel string) *runPlot {
		return newRunPlot(name, title, ylabel, faults, marks, end)
	}
	plots := []*runPlot{
		latencyRawPlot(base(rundir.PlotLatencyRaw, "Latency of every client op, by operation and outcome", "latency (ms, log scale)"), samples),
		latencyQuantilesPlot(base(rundir.PlotLatencyQuantiles, fmt.Sprintf("Latency quantiles of answered client ops (ok, or refused by their semantics), per %s window", w), "latency (ms, log scale)"), samples, w),
		ratePlot(base(rundir.PlotRate, fmt.Sprintf("Throughput: completions per second, per %s window, by operation and outcome", w), "ops/s"), samples, w),
	}
	if cs := ClockOffsets(h); len(cs) > 0 {
		plots = append(plots, clockPlot(base(rundir.PlotClock, "Clock offset of each node, as measured by the clock nemesis", "offset (ms, + is ahead)"), cs))
	}
	for _, rp := range plots {
		// Adding data widens the range to fit it; every plot spans the
		// run, and the same range.
		rp.p.X.Min, rp.p.X.Max = 0, runSecs(end)
	}
	var labels []plotLabel
	for _, t := range marks {
		labels = append(labels, plotLabel{At: secs(t), Text: "anomaly", Colour: anomalyColour})
	}
	for _, f := range faults {
		text := f.Short
		if !f.Healed {
			text += " (never healed)"
		}
		col := fault.Colour(f.Family)
		dark := color.RGBA{R: col.R / 3 * 2, G: col.G / 3 * 2, B: col.B / 3 * 2, A: 0xff}
		labels = append(labels, plotLabel{At: secs(f.Start), Text: text, Short: f.Family, Colour: dark})
	}
	return plots, labels
}

// runSecs is the end of the time axis for a run ending at end: at least
// a second.
func runSecs(end int64) float64 { return max(secs(end), 1) }

// savePlot draws rp as laid out by g into dir/name.
func savePlot(rp *runPlot, g plotGeom, dir, name, format string) error {
	c, err := newPlotCanvas(format)
	if err != nil {
		return fmt.Errorf("reports: plot %s: %w", name, err)
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	dc.FillText(g.TitleStyle, g.Title, rp.title)
	rp.p.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: g.Region})
	dc.FillText(g.YLabelStyle, g.YLabel, rp.ylabel)
	sty := labelStyle()
	for _, l := range g.Labels {
		sty.Color = l.Colour
		dc.FillText(sty, l.Rect.Min, l.Text)
	}
	newLegend(rp.legend, g.LegendStyle).Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: g.Legend})
	return writeTo(dir, name, c)
}

// pngDPI is the PNGs' resolution: twice the 96 dpi the page lays them out
// at (it shows them at most plotWidth wide), so they are sharp on screens
// of two pixels per point.
const pngDPI = 2 * vgimg.DefaultDPI

// newPlotCanvas is a plotWidth by plotHeight canvas writing format.
func newPlotCanvas(format string) (vg.CanvasWriterTo, error) {
	if format == "png" {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(pngDPI))}, nil
	}
	return draw.NewFormattedCanvas(plotWidth, plotHeight, format)
}

// writeTo writes what wt writes into dir/name (rundir.Write).
func writeTo(dir, name string, wt io.WriterTo) error {
	return rundir.Write(dir, name, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}

// newRunPlot is a plot with the house style: sans-serif text, time in
// seconds on x with round ticks, a grid, the faults shaded underneath and
// the marks drawn over; the legend names the fault families shaded. The
// title is drawn by savePlot, over the whole width.
func newRunPlot(name, title, ylabel string, faults []fault.Interval, marks []int64, end int64) *runPlot {
	p := plot.New()
	p.X.Label.Text = "time since start (s)"
	p.Y.Tick.Marker = linearTicks{}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 10)
		a.Tick.Label.Font = font.From(sansFont, 9)
		a.Tick.Length = vg.Points(4)
	}
	p.X.Label.Padding = vg.Points(2)
	p.X.Tick.Marker = timeTicks{step: timeTickStep(runSecs(end))}
	p.X.Min, p.X.Max = 0, runSecs(end)
	p.Add(plotter.NewGrid())
	p.Add(&faultBands{faults: faults})
	rp := &runPlot{name: name, title: title, ylabel: ylabel, p: p}
	for _, fam := range fault.FamiliesOf(faults) {
		rp.addLegend(fam+" (shaded)", bandThumb{fault.Colour(fam)})
	}
	if len(marks) > 0 {
		m := &anomalyMarkers{}
		for _, t := range marks {
			m.at = append(m.at, secs(t))
		}
		p.Add(m)
		rp.addLegend("anomaly (dashed)", m)
		rp.marks = m
	}
	return rp
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }
func millis(ns int64) float64 {
	return max(float64(ns)/1e6, 1e-3) // log scales need positive values
}

// faultBands shades each fault interval over the full height of the data
// area, in its family's colour; the labels go above the data area
// (plotLayout).
type faultBands struct{ faults []fault.Interval }

func (b *faultBands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
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
	}
}

type bandThumb struct{ c color.RGBA }

func (t bandThumb) Thumbnail(c *draw.Canvas) {
	fill := color.NRGBA{R: t.c.R, G: t.c.G, B: t.c.B, A: 0x55}
	c.FillPolygon(fill, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// anomalyMarkers draws a dashed vertical line over the data area at each
// time (seconds); their "anomaly" labels go above it (plotLayout).
type anomalyMarkers struct{ at []float64 }

var anomalyLine = draw.LineStyle{Color: anomalyColour, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}

func (m *anomalyMarkers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, t := range m.at {
		if x := trX(t); x >= c.Min.X && x <= c.Max.X {
			c.StrokeLine2(anomalyLine, x, c.Min.Y, x, c.Max.Y)
		}
	}
}

func (m *anomalyMarkers) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(anomalyLine, x, c.Min.Y, x, c.Max.Y)
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
func latencyRawPlot(rp *runPlot, samples []Sample) *runPlot {
	p := rp.p
	fs := opNames(samples)
	cols := opColours(fs)
	var ys []float64
	for _, f := range fs {
		for _, t := range typeOrder {
			var xys plotter.XYs
			for _, s := range samples {
				if s.F == f && s.Type == t {
					xys = append(xys, plotter.XY{X: secs(s.Time), Y: millis(s.Latency)})
					ys = append(ys, millis(s.Latency))
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
			rp.addLegend(fmt.Sprintf("%s %s (%d)", f, t, len(xys)), sc)
		}
	}
	setLogY(p, ys)
	return rp
}

// setLogY puts p's y axis on a log scale fitting ys (logRange).
func setLogY(p *plot.Plot, ys []float64) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Y.Min, p.Y.Max = logRange(ys)
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
func latencyQuantilesPlot(rp *runPlot, samples []Sample, w time.Duration) *runPlot {
	p := rp.p
	// Answered ops only: a refused connection returns fast, so with
	// failures mixed in the median would seem to improve during a kill.
	var answered []Sample
	for _, s := range samples {
		if s.Answered() {
			answered = append(answered, s)
		}
	}
	wins := LatencyWindows(answered, w)
	var ys []float64
	for _, q := range quantileStyles {
		var xys plotter.XYs
		for _, win := range wins {
			if win.N == 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: secs(win.Start+win.End) / 2, Y: millis(q.get(win))})
			ys = append(ys, millis(q.get(win)))
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
		rp.addLegend(q.name, ln, pts)
	}
	setLogY(p, ys)
	return rp
}

var typeDashes = map[history.Type][]vg.Length{
	history.OK:   nil,
	history.Fail: {vg.Points(5), vg.Points(3)},
	history.Info: {vg.Points(1.5), vg.Points(2.5)},
}

// ratePlot: completions per second per window, a line per operation
// (colour) and outcome (ok solid, fail dashed, info dotted), each point at
// the middle of the part of its window the run covered (Rates).
func ratePlot(rp *runPlot, samples []Sample, w time.Duration) *runPlot {
	p := rp.p
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
	var ys []float64
	for _, k := range keys {
		xys := make(plotter.XYs, len(rates[k]))
		for i, r := range rates[k] {
			xys[i] = plotter.XY{X: secs(r.Start+r.End) / 2, Y: r.PerSec}
			ys = append(ys, r.PerSec)
		}
		ln, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		ln.Color, ln.Width, ln.Dashes = cols[k.F], vg.Points(1.4), typeDashes[k.Type]
		p.Add(ln)
		rp.addLegend(k.F+" "+string(k.Type), ln)
	}
	p.Y.Min, p.Y.Max = linearRange(append(ys, 0), 1)
	return rp
}

func typeRank(t history.Type) int {
	for i, x := range typeOrder {
		if x == t {
			return i
		}
	}
	return len(typeOrder)
}

// clockPlot: each node's measured clock offset over time, in ms, as a
// step line (an offset holds until the next measurement) through the
// measurements.
func clockPlot(rp *runPlot, cs []ClockSample) *runPlot {
	p := rp.p
	byNode := map[string]plotter.XYs{}
	ys := []float64{0}
	for _, s := range cs {
		v := float64(s.Offset) / 1e6
		byNode[s.Node] = append(byNode[s.Node], plotter.XY{X: secs(s.Time), Y: v})
		ys = append(ys, v)
	}
	nodes := sortedKeys(byNode)
	cols := opColours(nodes)
	for _, n := range nodes {
		ln, pts, err := plotter.NewLinePoints(byNode[n])
		if err != nil {
			continue
		}
		ln.Color, ln.Width = cols[n], vg.Points(1.4)
		ln.StepStyle = plotter.PostStep
		pts.Color, pts.Radius, pts.Shape = cols[n], vg.Points(2.2), draw.CircleGlyph{}
		p.Add(ln, pts)
		rp.addLegend(n, ln, pts)
	}
	p.Y.Min, p.Y.Max = linearRange(ys, 1)
	return rp
}
