package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/models"
	"github.com/faultline/faultline/rundir"
)

// indexData is everything index.html shows.
type indexData struct {
	// FinalAt is when the final heal completed (seconds), the start of the
	// final phase, when client ops followed it; empty otherwise.
	FinalAt             string
	Name, Dir, Headline string
	Verdict             checker.Verdict
	Meta                []kv // one line under the verdict: target, mode, ...
	Checkers            []Explanation
	Models              []modelRow
	Strip               template.HTML // inline SVG of the faults over time
	Faults              []faultRow
	Families            []legendRow
	Config              []kv
	Ops                 []OpCount
	Avail               []kv
	Latency             []latencyRow
	Plots               []plotLink
	Timeline            string // the timeline of every key, when there is one
	Files               []fileLink
}

type kv struct{ K, V string }

// modelRow is one consistency model's state in the strip.
type modelRow struct {
	Model, State, Label, Anomalies, Why string
}

func modelRows(res checker.Results) []modelRow {
	var out []modelRow
	for _, s := range res.Models {
		r := modelRow{Model: string(s.Model), State: string(s.State), Why: s.Because}
		switch s.State {
		case models.StateHolds:
			r.Label = "holds"
		case models.StateRuledOut:
			r.Label = "ruled out"
		default:
			r.Label = "not checked"
		}
		var as []string
		for _, a := range s.Anomalies {
			as = append(as, string(a))
		}
		r.Anomalies = strings.Join(as, ", ")
		out = append(out, r)
	}
	return out
}

type legendRow struct{ Name, Colour, Label string }

type faultRow struct {
	Start, End, Duration, Family, Colour, Label string
	Healed, Uncertain                           bool
}

type latencyRow struct {
	Group, P50, P95, P99, Max string
	N                         int
}

type fileLink struct{ Path, Note string }

// plotLink is a plot and its files, relative to the run directory.
type plotLink struct{ Name, PNG, SVG string }

// indexInput is what writeIndex needs beyond the history and results.
type indexInput struct {
	Plots     []string          // plot names written to plots/
	Timelines map[string]string // key -> its own timeline file
}

func writeIndex(dir string, h history.History, res checker.Results, in indexInput) error {
	faults := fault.Intervals(h)
	samples := Samples(h)
	cfg := readConfig(dir)
	d := indexData{
		Name:     configName(cfg, filepath.Base(filepath.Dir(dir))),
		Dir:      dir,
		Verdict:  res.Verdict,
		Checkers: explain(h, res, faults, in.Timelines, dir),
		Models:   modelRows(res),
		Ops:      OpCounts(h),
	}
	for _, p := range in.Plots {
		d.Plots = append(d.Plots, plotLink{Name: p, PNG: rundir.Plot(p, "png"), SVG: rundir.Plot(p, "svg")})
	}
	if exists(filepath.Join(dir, rundir.TimelineFile)) {
		d.Timeline = rundir.TimelineFile
	}
	d.Headline = headline(res, d.Checkers)
	var end int64
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	var marks []int64
	for _, e := range d.Checkers {
		if e.Anomaly != nil && e.Anomaly.Time > 0 {
			marks = append(marks, e.Anomaly.Time)
		}
		if e.Values != nil && e.Values.Time > 0 {
			marks = append(marks, e.Values.Time)
		}
	}
	d.Strip = faultStrip(faults, end, marks)
	for _, f := range faults {
		d.Faults = append(d.Faults, faultRow{Start: fmtSecs(f.Start), End: fmtSecs(f.End), Duration: fmtDur(f.End - f.Start),
			Family: f.Family, Colour: fault.Hex(f.Family), Label: f.Label, Healed: f.Healed, Uncertain: f.Uncertain})
	}
	for _, fam := range fault.FamiliesOf(faults) {
		d.Families = append(d.Families, legendRow{fam, fault.Hex(fam), fault.Label(fam)})
	}
	d.FinalAt = finalPhase(h)
	d.Meta, d.Config = configRows(cfg)
	a := Avail(samples, faults)
	// Answered: ok, or refused by the op's semantics (a cas mismatch is a
	// correct answer, not unavailability).
	d.Avail = []kv{
		{"ops invoked with no fault in place", fmt.Sprintf("%s answered (%d of %d)", pct(a.Outside()), a.OutsideOK, a.OutsideTotal)},
		{"ops invoked while any fault was in place", fmt.Sprintf("%s answered (%d of %d)", pct(a.During()), a.DuringOK, a.DuringTotal)},
	}
	for _, fam := range fault.FamiliesOf(faults) {
		if c, ok := a.ByFamily[fam]; ok && c[1] > 0 {
			d.Avail = append(d.Avail, kv{"… under " + fam, fmt.Sprintf("%s answered (%d of %d)", pct(ratio(c[0], c[1])), c[0], c[1])})
		}
	}
	for _, s := range LatencyStats(samples) {
		d.Latency = append(d.Latency, latencyRow{Group: s.Group, N: s.N, P50: fmtDur(s.P50), P95: fmtDur(s.P95), P99: fmtDur(s.P99), Max: fmtDur(s.Max)})
	}
	d.Files = runFiles(dir)
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, d); err != nil {
		return fmt.Errorf("reports: %s: %w", rundir.IndexFile, err)
	}
	return rundir.WriteFile(dir, rundir.IndexFile, buf.Bytes())
}

// headline is the one sentence under the verdict.
func headline(res checker.Results, es []Explanation) string {
	for _, v := range []checker.Verdict{checker.Invalid, checker.Unknown} {
		if res.Verdict != v {
			continue
		}
		for _, e := range es {
			if e.Verdict == v {
				if e.Anomaly != nil {
					return fmt.Sprintf("%s: key %q is not linearizable: %s cannot be linearized.", e.Checker, e.Anomaly.Key, e.Anomaly.Op)
				}
				return e.Checker + ": " + e.Summary
			}
		}
	}
	if res.Verdict == checker.Valid {
		return "Every checker passed: no anomaly found in this history."
	}
	return "No checker decided."
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// runFiles lists the run's files worth a link, with what each is.
func runFiles(dir string) []fileLink {
	var out []fileLink
	for _, f := range []fileLink{
		{rundir.TimelineFile, "porcupine's timeline of each checked key, failing keys first, faults annotated"},
		{rundir.HistoryFile, "every op, one JSON object per line (explore with jq)"},
		{rundir.ResultsFile, "the checkers' verdicts and details"},
		{rundir.ConfigFile, "the full test configuration"},
		{rundir.LogFile, "the controller's log"},
		{rundir.JUnitFile, "JUnit XML, one testcase per checker"},
	} {
		if exists(filepath.Join(dir, f.Path)) {
			out = append(out, f)
		}
	}
	// Node files: logs and data fetched from each node.
	var nodeFiles []string
	filepath.WalkDir(filepath.Join(dir, rundir.NodesDir), func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || len(nodeFiles) >= 200 {
			return nil
		}
		if rel, err := filepath.Rel(dir, p); err == nil {
			nodeFiles = append(nodeFiles, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(nodeFiles)
	for _, f := range nodeFiles {
		out = append(out, fileLink{Path: f, Note: "fetched from node " + strings.Split(f, "/")[1]})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// faultStrip draws the faults over the run's time as an inline SVG: one
// row per family, each fault a coloured bar with its label, and a red line
// with "anomaly" at each mark.
func faultStrip(faults []fault.Interval, end int64, marks []int64) template.HTML {
	fams := fault.FamiliesOf(faults)
	const (
		width  = 1000.0
		left   = 90.0
		right  = 10.0
		rowH   = 26.0
		top    = 18.0
		axisH  = 22.0
		labelF = 11
	)
	if end <= 0 {
		end = 1
	}
	rows := max(len(fams), 1)
	height := top + rowH*float64(rows) + axisH
	x := func(t int64) float64 { return left + (width-left-right)*float64(t)/float64(end) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="strip" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="faults over time" font-family="sans-serif">`, width, height)
	row := map[string]int{}
	for i, f := range fams {
		row[f] = i
		y := top + rowH*float64(i)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f6f6f6"/>`, left, y+2, width-left-right, rowH-4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end" fill="%s" font-weight="600">%s</text>`, left-6, y+rowH/2+4, fault.Hex(f), template.HTMLEscapeString(f))
	}
	if len(fams) == 0 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="#555">no faults were injected</text>`, left+6, top+rowH/2+4)
	}
	for _, f := range faults {
		y := top + rowH*float64(row[f.Family])
		x0, x1 := x(f.Start), x(f.End)
		w := max(x1-x0, 2)
		op := "0.85"
		if f.Uncertain {
			op = "0.45"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="%s" rx="2"><title>%s</title></rect>`,
			x0, y+3, w, rowH-6, fault.Hex(f.Family), op, template.HTMLEscapeString(fmt.Sprintf("%s–%s %s", fmtSecs(f.Start), fmtSecs(f.End), f.Label)))
		if float64(len(f.Short))*6.2 < w-6 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%d" fill="#fff">%s</text>`, x0+4, y+rowH/2+4, labelF, template.HTMLEscapeString(f.Short))
		}
	}
	// Axis: ticks at a round step.
	axisY := top + rowH*float64(rows)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/>`, left, axisY, width-right, axisY)
	step := int64(bucketWidth(timeDur(end))) * 5
	for t := int64(0); t <= end; t += step {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/><text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#444">%gs</text>`,
			x(t), axisY, x(t), axisY+4, x(t), axisY+16, float64(t)/1e9)
	}
	for _, m := range marks {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#b71c1c" stroke-width="2"/><text x="%.1f" y="12" font-size="11" text-anchor="middle" fill="#b71c1c" font-weight="700">anomaly %s</text>`,
			x(m), 14.0, x(m), axisY, x(m), fmtSecs(m))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

//go:embed assets/index.html.tmpl
var indexSource string

var indexTmpl = template.Must(template.New("index").Parse(indexSource))

func timeDur(ns int64) time.Duration { return time.Duration(ns) }

// finalPhase is the time the run's final heal completed, when client ops
// came after it: they are the final phase (final reads, the queue's
// drain), not ops under faults.
func finalPhase(h history.History) string {
	var at int64 = -1
	for _, op := range h {
		if op.IsNemesis() && op.F == fault.Heal && op.Type != history.Invoke {
			at = op.Time
		}
	}
	if at < 0 {
		return ""
	}
	for _, op := range h {
		if !op.IsNemesis() && op.Type == history.Invoke && op.Time >= at {
			return fmtSecs(at)
		}
	}
	return ""
}
