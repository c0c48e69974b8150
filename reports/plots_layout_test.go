package reports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// busyRun is a 60s history with client ops every 50ms on three
// processes, faults crowded together (so labels need several rows), a
// clock skew measured three times, and a kill near the end that is never
// healed, whose long label would run past the data area's right edge if
// it started at the kill.
func busyRun() history.History {
	var b builder
	type ev struct {
		t  int64
		do func()
	}
	var evs []ev
	for p := range 3 {
		for t := int64(p) * 7e6; t < 59*sec; t += 50e6 {
			lat := int64(1e6 + (t/1e6)%7*1e6)
			tt, pp, f := t, history.Process(p), []string{"read", "write", "cas"}[(t/50e6)%3]
			evs = append(evs, ev{tt, func() { b.add(tt, pp, history.Invoke, f, "k", 1, "") }},
				ev{tt + lat, func() { b.add(tt+lat, pp, history.OK, f, "k", 1, "") }})
		}
	}
	nem := func(t int64, typ history.Type, f string, v any) {
		evs = append(evs, ev{t, func() { b.nem(t, typ, f, v) }})
	}
	nem(5*sec, history.Invoke, "start-partition", "majorities-ring")
	nem(5*sec+1e8, history.OK, "start-partition", map[string][]string{"n1": {"n2"}})
	nem(6*sec, history.Invoke, "pause", "minority")
	nem(6*sec+1e8, history.OK, "pause", []string{"n1", "n2"})
	nem(6*sec+5e8, history.Invoke, "start-netem", "delay-100ms-jitter")
	nem(6*sec+6e8, history.OK, "start-netem", nil)
	nem(7*sec, history.Invoke, "bump-clock", "one")
	nem(7*sec+1e8, history.OK, "bump-clock", map[string]any{"set_ns": map[string]int64{"n1": 3e9}, "offsets_ns": map[string]int64{"n1": 3e9, "n2": 0}})
	nem(12*sec, history.Invoke, "stop-partition", nil)
	nem(12*sec+1e8, history.OK, "stop-partition", nil)
	nem(13*sec, history.Invoke, "resume", nil)
	nem(13*sec+1e8, history.OK, "resume", []string{"n1", "n2"})
	nem(14*sec, history.Invoke, "stop-netem", nil)
	nem(14*sec+1e8, history.OK, "stop-netem", nil)
	nem(20*sec, history.Invoke, "reset-clock", nil)
	nem(20*sec+1e8, history.OK, "reset-clock", map[string]any{"set_ns": map[string]int64{"n1": 0}, "offsets_ns": map[string]int64{"n1": 0, "n2": 0},
		"samples": []map[string]any{{"ago_ns": 6 * sec, "offsets_ns": map[string]int64{"n1": 3e9, "n2": 0}}}})
	nem(57*sec, history.Invoke, "kill", "minority")
	nem(57*sec+1e8, history.OK, "kill", []string{"n1", "n2"})
	slices.SortStableFunc(evs, func(a, b ev) int { return int(a.t - b.t) })
	for _, e := range evs {
		e.do()
	}
	return b.h
}

// The legend and the band labels never share any area, whatever the
// faults: the labels stay above the data area and within its width, the
// legend in its column right of it, both below the title.
func TestPlotLegendNeverOverlapsLabels(t *testing.T) {
	for name, c := range map[string]struct {
		h     history.History
		marks []int64
	}{
		"busy":    {busyRun(), []int64{6 * sec, 58 * sec}},
		"bad run": {badRun(), []int64{5*sec + 3e6}},
		"no faults": {func() history.History {
			var b builder
			b.add(0, 0, history.Invoke, "read", "k", nil, "")
			b.add(1e6, 0, history.OK, "read", "k", nil, "")
			return b.h
		}(), nil},
		"many faults": {manyFaults(40), nil},
	} {
		t.Run(name, func(t *testing.T) {
			plots, labels := runPlots(c.h, PlotOptions{Marks: c.marks})
			geoms := plotLayout(plots, labels)
			if len(geoms) != len(plots) {
				t.Fatalf("%d layouts for %d plots", len(geoms), len(plots))
			}
			canvas := vg.Rectangle{Max: vg.Point{X: plotWidth, Y: plotHeight}}
			for i, g := range geoms {
				rp := plots[i]
				title := textRect(g.TitleStyle, g.Title, rp.title)
				if !inside(g.Legend, canvas) || !inside(title, canvas) {
					t.Errorf("%s: legend %v or title %v outside the canvas", rp.name, g.Legend, title)
				}
				if g.Legend.Min.X < g.Data.Max.X+legendGap/2 {
					t.Errorf("%s: legend %v reaches into the data area %v, where the bands are", rp.name, g.Legend, g.Data)
				}
				if overlaps(title, g.Legend) {
					t.Errorf("%s: title %v overlaps the legend %v", rp.name, title, g.Legend)
				}
				for j, l := range g.Labels {
					if overlaps(l.Rect, g.Legend) {
						t.Errorf("%s: label %q at %v overlaps the legend at %v", rp.name, l.Text, l.Rect, g.Legend)
					}
					if overlaps(l.Rect, title) {
						t.Errorf("%s: label %q at %v overlaps the title at %v", rp.name, l.Text, l.Rect, title)
					}
					if l.Rect.Min.X < g.Data.Min.X || l.Rect.Max.X > g.Data.Max.X || l.Rect.Min.Y < g.Data.Max.Y {
						t.Errorf("%s: label %q at %v is not in the rows above the data area %v", rp.name, l.Text, l.Rect, g.Data)
					}
					for _, m := range g.Labels[j+1:] {
						if overlaps(l.Rect, m.Rect) {
							t.Errorf("%s: labels %q %v and %q %v overlap", rp.name, l.Text, l.Rect, m.Text, m.Rect)
						}
					}
				}
			}
		})
	}
}

// manyFaults is a run of n short partitions back to back: more labels
// than three rows hold.
func manyFaults(n int) history.History {
	var b builder
	for i := range n {
		t := int64(i) * sec
		b.nem(t, history.Invoke, "start-partition", "majorities-ring")
		b.nem(t+1e8, history.OK, "start-partition", nil)
		b.nem(t+5e8, history.Invoke, "stop-partition", nil)
		b.nem(t+6e8, history.OK, "stop-partition", nil)
	}
	return b.h
}

// textRect is the extent of txt drawn at pt in sty.
func textRect(sty text.Style, pt vg.Point, txt string) vg.Rectangle {
	r := sty.Rectangle(txt)
	return vg.Rectangle{Min: r.Min.Add(pt), Max: r.Max.Add(pt)}
}

func inside(r, outer vg.Rectangle) bool {
	return r.Min.X >= outer.Min.X && r.Min.Y >= outer.Min.Y && r.Max.X <= outer.Max.X && r.Max.Y <= outer.Max.Y
}

// Labels start at their band (or marker), and one that would run past the
// data area is moved left to end inside it; the anomaly markers' labels
// come first, and a label with no room left falls back to the family
// name or is left out, never drawn over another.
func TestPlotLabelsPlacement(t *testing.T) {
	h := busyRun()
	plots, labels := runPlots(h, PlotOptions{Marks: []int64{6 * sec, -1, 99 * sec}})
	g := plotLayout(plots, labels)[0]
	xOf := func(s float64) vg.Length {
		return g.Data.Min.X + (g.Data.Max.X-g.Data.Min.X)*vg.Length(s/plots[0].p.X.Max)
	}
	byText := map[string]placedLabel{}
	for _, l := range g.Labels {
		byText[l.Text] = l
	}
	anomaly, ok := byText["anomaly"]
	if !ok || len(g.Labels) < 4 {
		t.Fatalf("labels %+v: want the anomaly's and the faults'", g.Labels)
	}
	if d := anomaly.Rect.Min.X - xOf(6) - 2; math.Abs(float64(d)) > 0.01 {
		t.Errorf("anomaly label at x %v, want by its marker at %v", anomaly.Rect.Min.X, xOf(6)+2)
	}
	kill, ok := byText["kill minority n1,n2 (never healed)"]
	if !ok {
		t.Fatalf("no label for the unhealed kill: %+v", g.Labels)
	}
	if kill.Rect.Max.X > g.Data.Max.X || kill.Rect.Min.X >= xOf(57) {
		t.Errorf("kill label %v: want moved left of its band at %v to end within %v", kill.Rect, xOf(57), g.Data.Max.X)
	}
	rows := map[vg.Length]bool{}
	for _, l := range g.Labels {
		rows[l.Rect.Min.Y] = true
	}
	if len(rows) < 2 || len(rows) > maxLabelRows {
		t.Errorf("labels in %d rows, want 2 to %d (the faults at 5-7s crowd one row)", len(rows), maxLabelRows)
	}
	// 40 partitions a second apart: each label ~100pt wide, so three rows
	// hold about a third of them; the rest fall back to "partition" or
	// are left out, and none overlaps.
	plots, labels = runPlots(manyFaults(40), PlotOptions{})
	g = plotLayout(plots, labels)[0]
	var short int
	for _, l := range g.Labels {
		if l.Text == "partition" {
			short++
		}
	}
	if short == 0 || len(g.Labels) >= 40 {
		t.Errorf("%d labels, %d shortened: want some shortened and some left out of 40", len(g.Labels), short)
	}
}

// Every plot of a run has the same x range, [0, end], and the same data
// rectangle, and is drawn into a region whose data area is exactly it:
// the time axes line up when the page stacks the plots.
func TestPlotsShareTheTimeAxis(t *testing.T) {
	h := busyRun()
	plots, labels := runPlots(h, PlotOptions{})
	if len(plots) != 4 {
		t.Fatalf("%d plots, want 4 (the clock's too)", len(plots))
	}
	geoms := plotLayout(plots, labels)
	end := secs(h[len(h)-1].Time)
	canvas := vg.Rectangle{Max: vg.Point{X: plotWidth, Y: plotHeight}}
	for i, rp := range plots {
		if rp.p.X.Min != 0 || rp.p.X.Max != end {
			t.Errorf("%s: x range [%v, %v], want [0, %v]", rp.name, rp.p.X.Min, rp.p.X.Max, end)
		}
		g := geoms[i]
		if g.Data != geoms[0].Data {
			t.Errorf("%s: data area %v, %s's is %v", rp.name, g.Data, plots[0].name, geoms[0].Data)
		}
		dc := rp.p.DataCanvas(draw.Canvas{Rectangle: g.Region})
		for _, d := range []vg.Length{dc.Min.X - g.Data.Min.X, dc.Max.X - g.Data.Max.X, dc.Min.Y - g.Data.Min.Y, dc.Max.Y - g.Data.Max.Y} {
			if math.Abs(float64(d)) > 0.01 {
				t.Errorf("%s: drawn into %v its data area is %v, want %v", rp.name, g.Region, dc.Rectangle, g.Data)
				break
			}
		}
		if !inside(g.Region, canvas) {
			t.Errorf("%s: region %v outside the canvas: its axes would be cut", rp.name, g.Region)
		}
		if g.Data.Max.X-g.Data.Min.X < plotWidth/2 || g.Data.Max.Y-g.Data.Min.Y < plotHeight/2 {
			t.Errorf("%s: data area %v is under half the canvas", rp.name, g.Data)
		}
	}
}

func TestTimeTickStep(t *testing.T) {
	for end, want := range map[float64]float64{
		1: 0.2, 4: 1, 10: 2, 30: 5, 40: 10, 60: 10, 119: 10, 120: 30, 300: 30, 359: 30, 360: 60,
		600: 60, 900: 120, 1800: 300, 3600: 600, 6 * 3600: 3600,
	} {
		if got := timeTickStep(end); got != want {
			t.Errorf("timeTickStep(%vs) = %vs, want %vs", end, got, want)
		}
	}
	for end := 1.0; end < 3.6e6; end *= 1.07 {
		step := timeTickStep(end)
		n := timeTickCount(end, step)
		if n < 5 || n > 13 || (end >= 4 && n > 12) {
			t.Errorf("a %.1fs run ticks every %vs: %d ticks, want 5 to 12", end, step, n)
		}
		ticks := timeTicks{step}.Ticks(0, end)
		if len(ticks) != n || ticks[0].Label != "0" || ticks[1].Label != fmt.Sprint(step) {
			t.Errorf("a %.1fs run: ticks %v", end, ticks)
		}
	}
}

// Y ranges fit the data: all of it inside, and little empty space.
func TestYRangesFitTheData(t *testing.T) {
	for _, ys := range [][]float64{{1.2, 1.9, 3.5}, {0.001, 0.002}, {2, 2}, {0.5, 4000}, {12, 80, 95}, {1e-3, 1e-3}} {
		lo, hi := logRange(ys)
		dlo, dhi := slices.Min(ys), slices.Max(ys)
		if lo > dlo || hi < dhi || lo < 1e-3*(1-1e-9) {
			t.Errorf("logRange(%v) = [%v, %v] does not hold the data", ys, lo, hi)
		}
		// The data's share of the axis (in decades): all of it when it
		// spans much, at least a third when it spans little.
		share := math.Log10(dhi/dlo) / math.Log10(hi/lo)
		if math.Log10(hi/lo) > math.Log10(dhi/dlo)+math.Log10(5)+1e-9 {
			t.Errorf("logRange(%v) = [%v, %v]: more than the data and a factor of 5 (share %.2f)", ys, lo, hi, share)
		}
		var labelled int
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				labelled++
			}
		}
		if labelled < 2 {
			t.Errorf("logRange(%v) = [%v, %v] has %d labelled ticks", ys, lo, hi, labelled)
		}
	}
	for _, ys := range [][]float64{{0, 12, 30}, {-3000, 0, 5000}, {0, 0}, {0, 9000, 9001}, {0, 0.2}} {
		lo, hi := linearRange(ys, 1)
		dlo, dhi := slices.Min(ys), slices.Max(ys)
		if lo > dlo || hi < dhi {
			t.Errorf("linearRange(%v) = [%v, %v] does not hold the data", ys, lo, hi)
		}
		if span := max(dhi-dlo, 1); hi-lo > span*1.13 {
			t.Errorf("linearRange(%v) = [%v, %v]: more than 13%% beyond the data", ys, lo, hi)
		}
		if dlo == 0 && lo != 0 {
			t.Errorf("linearRange(%v) starts at %v, not 0", ys, lo)
		}
		n := 0
		for _, tk := range (linearTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				n++
			}
		}
		if n < 3 || n > 8 {
			t.Errorf("linearRange(%v) = [%v, %v]: %d labelled ticks", ys, lo, hi, n)
		}
	}
}

// Every text of the plots is in gonum's Liberation Sans, not its default
// serif; and the font is one gonum has.
func TestPlotsAreSansSerif(t *testing.T) {
	if !font.DefaultCache.Has(sansFont) {
		t.Fatalf("gonum has no font %+v", sansFont)
	}
	serif, sans := text.Style{Font: font.From(plot.DefaultFont, 10), Handler: plot.DefaultTextHandler}, sansStyle(10)
	if serif.Width("Throughput 123") == sans.Width("Throughput 123") {
		t.Fatal("the sans font measures like the serif one: it is not a different face")
	}
	plots, labels := runPlots(busyRun(), PlotOptions{Marks: []int64{sec}})
	g := plotLayout(plots, labels)
	for i, rp := range plots {
		styles := map[string]text.Style{"title": g[i].TitleStyle, "y label": g[i].YLabelStyle, "legend": g[i].LegendStyle, "band labels": labelStyle(),
			"x label": rp.p.X.Label.TextStyle, "x ticks": rp.p.X.Tick.Label, "y ticks": rp.p.Y.Tick.Label}
		for what, s := range styles {
			if s.Font.Typeface != sansFont.Typeface || s.Font.Variant != sansFont.Variant || s.Font.Size < 6 {
				t.Errorf("%s: %s font %+v, want %+v", rp.name, what, s.Font, sansFont)
			}
		}
		if rp.p.Y.Label.Text != "" || rp.ylabel == "" {
			t.Errorf("%s: y label %q drawn by gonum, want by savePlot (%q)", rp.name, rp.p.Y.Label.Text, rp.ylabel)
		}
	}
}

// The PNGs are twice the 96 dpi size the page shows them at; the SVGs
// are written too.
func TestWritePlotsPNGAtTwiceTheResolution(t *testing.T) {
	dir := t.TempDir()
	set, err := WritePlots(dir, busyRun(), PlotOptions{Marks: []int64{30 * sec}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Names, []string{rundir.PlotLatencyRaw, rundir.PlotLatencyQuantiles, rundir.PlotRate, rundir.PlotClock}) {
		t.Fatalf("plots %v", set.Names)
	}
	for _, name := range set.Names {
		f, err := os.Open(filepath.Join(dir, rundir.Plot(name, "png")))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		wantW, wantH := int(plotWidth.Dots(2*vgimg.DefaultDPI)+0.5), int(plotHeight.Dots(2*vgimg.DefaultDPI)+0.5)
		if cfg.Width != wantW || cfg.Height != wantH || wantW != 2112 {
			t.Errorf("%s.png is %dx%d, want %dx%d (11in x 4in at 192 dpi)", name, cfg.Width, cfg.Height, wantW, wantH)
		}
		if fi, err := os.Stat(filepath.Join(dir, rundir.Plot(name, "svg"))); err != nil || fi.Size() == 0 {
			t.Errorf("%s.svg: %v", name, err)
		}
	}
}

// The marks are drawn on every plot, with a legend entry; those outside
// the run are left out.
func TestPlotsMarkAnomalies(t *testing.T) {
	h := busyRun()
	plots, labels := runPlots(h, PlotOptions{Marks: []int64{30 * sec, -5, 61 * sec}})
	for _, rp := range plots {
		found := rp.marks.at
		if !slices.Equal(found, []float64{30}) {
			t.Errorf("%s: marks at %v s, want [30]", rp.name, found)
		}
		if !slices.ContainsFunc(rp.legend, func(e legendEntry) bool { return e.text == "anomaly (dashed)" }) {
			t.Errorf("%s: no legend entry for the marks", rp.name)
		}
	}
	if labels[0].Text != "anomaly" || labels[0].At != 30 || labels[1].Text == "anomaly" {
		t.Errorf("labels %+v: want one anomaly label first", labels)
	}
	plots, _ = runPlots(h, PlotOptions{})
	for _, rp := range plots {
		if rp.marks != nil || slices.ContainsFunc(rp.legend, func(e legendEntry) bool { return e.text == "anomaly (dashed)" }) {
			t.Errorf("%s: marks drawn without any", rp.name)
		}
	}
}
