package reports

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The canvas of every run plot, in points from its bottom-left corner:
//
//	+-------------------------------------------------+
//	|                     title                        |
//	|       [band and marker labels, up to 3 rows]  | legend
//	|  y    +------------------------------------+  | column
//	| axis  |  data: bands, markers, points      |  |
//	|       +------------------------------------+  |
//	|                time axis                       |
//	+-------------------------------------------------+
//
// The labels stay above the data area and inside its width; the legend
// has its own column to the right of it, which neither bands nor labels
// reach. Every plot of a run gets the same data rectangle, so their time
// axes line up when the page stacks them.
const (
	plotWidth      = 11 * vg.Inch
	plotHeight     = 4 * vg.Inch
	legendWidth    = 1.9 * vg.Inch
	plotMargin     = vg.Length(6)  // around the canvas's edge
	legendGap      = vg.Length(12) // between the data area and the legend column
	labelRowHeight = vg.Length(11)
	labelGap       = vg.Length(3) // between the data area and the first label row
	maxLabelRows   = 3
)

// sansFont is the plots' typeface: gonum's Liberation Sans, the closest of
// its fonts to the system sans-serif the report page is set in (gonum's
// default is Liberation Serif).
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// sansStyle is a text style in sansFont of the given size.
func sansStyle(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(sansFont, size), Handler: plot.DefaultTextHandler}
}

// plotLabel is a label wanted above the data area: text at time At
// (seconds), or Short when text does not fit.
type plotLabel struct {
	At          float64
	Text, Short string
	Colour      color.Color
}

// placedLabel is a label where it is drawn: its text's extent, its left
// edge at Rect.Min.X and its baseline region from Rect.Min.Y.
type placedLabel struct {
	Text   string
	Colour color.Color
	Rect   vg.Rectangle
}

// labelStyle is the style of the band and marker labels.
func labelStyle() text.Style {
	s := sansStyle(8)
	s.XAlign, s.YAlign = draw.XLeft, draw.YBottom
	return s
}

// placeLabels puts each wanted label in the first of maxLabelRows rows
// where it overlaps no label already placed, starting at its time's x
// (xOf) but shifted left as needed to end within [minX, maxX]; a label
// too long for any row tries its Short text, and is left out when that
// does not fit either (the band keeps its colour, which the legend names,
// and the report's fault table lists every fault). Earlier labels win:
// callers pass the markers first. The rectangles' Y is the row index
// times labelRowHeight; plotLayout moves them above the data area.
func placeLabels(wants []plotLabel, xOf func(float64) vg.Length, minX, maxX vg.Length) []placedLabel {
	sty := labelStyle()
	var rows [maxLabelRows][]vg.Rectangle
	var out []placedLabel
	for _, w := range wants {
		for _, txt := range []string{w.Text, w.Short} {
			if txt == "" {
				continue
			}
			wd := sty.Width(txt)
			if wd > maxX-minX {
				continue
			}
			x := min(max(xOf(w.At)+2, minX), maxX-wd)
			r, ok := freeRow(rows[:], x, x+wd)
			if !ok {
				continue
			}
			rect := vg.Rectangle{Min: vg.Point{X: x, Y: vg.Length(r) * labelRowHeight}, Max: vg.Point{X: x + wd, Y: vg.Length(r)*labelRowHeight + sty.Height(txt)}}
			rows[r] = append(rows[r], vg.Rectangle{Min: vg.Point{X: x - 2}, Max: vg.Point{X: x + wd + 2}})
			out = append(out, placedLabel{Text: txt, Colour: w.Colour, Rect: rect})
			break
		}
	}
	return out
}

// freeRow is the first row none of whose spans overlaps [x0, x1].
func freeRow(rows [][]vg.Rectangle, x0, x1 vg.Length) (int, bool) {
	for r, spans := range rows {
		free := true
		for _, s := range spans {
			if x0 < s.Max.X && s.Min.X < x1 {
				free = false
				break
			}
		}
		if free {
			return r, true
		}
	}
	return 0, false
}

// legendEntry is one line of a plot's legend.
type legendEntry struct {
	text   string
	thumbs []plot.Thumbnailer
}

// plotGeom is where the parts of one plot go on its canvas.
type plotGeom struct {
	Title      vg.Point // the title's top centre
	TitleStyle text.Style
	// YLabel is where the y axis's label is drawn (YLabelStyle: rotated,
	// centred), left of the axis's tick labels.
	YLabel      vg.Point
	YLabelStyle text.Style
	// Data is the data area (bands, markers, points): the same for every
	// plot of a run. Region is what the plot, axes included, is drawn
	// into so that its data area is Data.
	Data, Region vg.Rectangle
	Labels       []placedLabel
	// Legend is the legend's extent, in the column right of Data; the
	// legend is drawn from its top-left corner in LegendStyle.
	Legend      vg.Rectangle
	LegendStyle text.Style
}

// yLabelStyle is the style of a y axis's label: 10 points, turned to
// read upwards, centred on the point it is drawn at horizontally along
// its baseline.
func yLabelStyle() text.Style {
	s := sansStyle(10)
	s.Rotation = math.Pi / 2
	s.XAlign, s.YAlign = draw.XCenter, draw.YBottom
	return s
}

// titleStyle is the style of a plot's title, shrunk until title fits the
// canvas's width.
func titleStyle(title string) text.Style {
	s := sansStyle(12)
	for s.Width(title) > plotWidth-2*plotMargin && s.Font.Size > 7 {
		s.Font.Size -= 0.5
	}
	s.XAlign, s.YAlign = draw.XCenter, draw.YTop
	return s
}

// plotLayout lays out the plots of one run. Their x ranges must be the
// same ([0, end of the run], linear), so that one time maps to one x on
// every plot; labels are placed once for all of them.
func plotLayout(plots []*runPlot, labels []plotLabel) []plotGeom {
	if len(plots) == 0 {
		return nil
	}
	// Room for the axes: the widest any plot needs, so that every data
	// area starts and ends at the same x.
	probe := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: plotWidth, Y: plotHeight}}}
	var left, right, bottom, top vg.Length
	for _, rp := range plots {
		dc := rp.p.DataCanvas(probe)
		left = max(left, dc.Min.X-probe.Min.X)
		right = max(right, probe.Max.X-dc.Max.X)
		bottom = max(bottom, dc.Min.Y-probe.Min.Y)
		top = max(top, probe.Max.Y-dc.Max.Y)
	}
	ylab := yLabelStyle()
	ylabW := ylab.Height("Ag") + 2
	titleH := sansStyle(12).Height("Ag")
	below := plotHeight - plotMargin - titleH - 4 // the title's bottom
	data := vg.Rectangle{
		Min: vg.Point{X: plotMargin + ylabW + left, Y: plotMargin + bottom},
		Max: vg.Point{X: plotWidth - legendWidth - legendGap - right},
	}
	x0, x1 := plots[0].p.X.Min, plots[0].p.X.Max
	xOf := func(s float64) vg.Length {
		return data.Min.X + (data.Max.X-data.Min.X)*vg.Length((s-x0)/(x1-x0))
	}
	placed := placeLabels(labels, xOf, data.Min.X, data.Max.X)
	rows := 0
	for _, l := range placed {
		rows = max(rows, int(l.Rect.Min.Y/labelRowHeight)+1)
	}
	data.Max.Y = below - top - vg.Length(rows)*labelRowHeight
	if rows > 0 {
		data.Max.Y -= labelGap
	}
	for i := range placed {
		dy := data.Max.Y + top + labelGap
		placed[i].Rect.Min.Y += dy
		placed[i].Rect.Max.Y += dy
	}
	out := make([]plotGeom, len(plots))
	for i, rp := range plots {
		g := plotGeom{Title: vg.Point{X: plotWidth / 2, Y: plotHeight - plotMargin}, TitleStyle: titleStyle(rp.title),
			Data: data, Region: fitRegion(rp.p, data), Labels: placed,
			YLabel: vg.Point{X: plotMargin + ylab.Height("Ag") - ylab.FontExtents().Descent, Y: (data.Min.Y + data.Max.Y) / 2}, YLabelStyle: ylab}
		col := vg.Rectangle{Min: vg.Point{X: plotWidth - legendWidth, Y: plotMargin}, Max: vg.Point{X: plotWidth - plotMargin, Y: below}}
		g.Legend, g.LegendStyle = legendRect(rp.legend, col)
		out[i] = g
	}
	return out
}

// fitRegion is the rectangle to draw p into so that its data area is
// data: data grown by the room p's axes take (the axes' size depends only
// on their labels, so a few rounds settle it).
func fitRegion(p *plot.Plot, data vg.Rectangle) vg.Rectangle {
	r := data
	for range 6 {
		dc := p.DataCanvas(draw.Canvas{Rectangle: r})
		r.Min.X += data.Min.X - dc.Min.X
		r.Max.X += data.Max.X - dc.Max.X
		r.Min.Y += data.Min.Y - dc.Min.Y
		r.Max.Y += data.Max.Y - dc.Max.Y
	}
	return r
}

// legendRect is the extent of a legend of entries drawn from the top-left
// corner of col (as plot.Legend draws with Top and Left), in a 9-point
// style shrunk until the legend fits col's height.
func legendRect(entries []legendEntry, col vg.Rectangle) (vg.Rectangle, text.Style) {
	sty := sansStyle(9)
	for {
		w, h := legendSize(entries, sty)
		if h <= col.Max.Y-col.Min.Y || sty.Font.Size <= 6 {
			return vg.Rectangle{Min: vg.Point{X: col.Min.X, Y: col.Max.Y - h}, Max: vg.Point{X: col.Min.X + w, Y: col.Max.Y}}, sty
		}
		sty.Font.Size -= 0.5
	}
}

// legendThumbWidth is the width of a legend's thumbnails; legendPadding
// the space between entries.
const (
	legendThumbWidth = vg.Length(20)
	legendPadding    = vg.Length(1.5)
)

// legendSize is the width and height plot.Legend.Draw takes for entries
// in sty: each entry as tall as the tallest text, legendPadding between
// them, the first below the top by a descent.
func legendSize(entries []legendEntry, sty text.Style) (w, h vg.Length) {
	if len(entries) == 0 {
		return 0, 0
	}
	var enth vg.Length
	for _, e := range entries {
		enth = max(enth, sty.Rectangle(e.text).Max.Y)
		w = max(w, legendThumbWidth+sty.Width(" ")+sty.Width(e.text))
	}
	n := vg.Length(len(entries))
	return w, enth*n + legendPadding*(n-1) + sty.FontExtents().Descent
}

// newLegend is the plot.Legend that draws entries in sty.
func newLegend(entries []legendEntry, sty text.Style) *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = sty
	l.ThumbnailWidth = legendThumbWidth
	l.Padding = legendPadding
	l.Top, l.Left = true, true
	for _, e := range entries {
		l.Add(e.text, e.thumbs...)
	}
	return &l
}

// overlaps reports whether a and b share any area.
func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}
