package reports

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"strings"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/rundir"
)

// CampaignGroup is the results of one target and workload: a grid whose
// rows are the modes and whose columns are the nemesis sets, so that what
// each consistency model gives under each fault reads at a glance.
type CampaignGroup struct {
	Target, Workload string
	Modes            []string
	Nemeses          []string // nemesis labels ("partition,kill", "none")
	// Cells[mode][nemesis] are the results of that square (seeds and
	// repetitions), in campaign order.
	Cells map[string]map[string][]campaign.Result
}

// GroupResults groups results by target and workload, keeping the order in
// which targets, workloads, modes and nemesis sets first appear.
func GroupResults(rs []campaign.Result) []*CampaignGroup {
	var out []*CampaignGroup
	byKey := map[string]*CampaignGroup{}
	for _, r := range rs {
		k := r.Target + "\x00" + r.Workload
		g := byKey[k]
		if g == nil {
			g = &CampaignGroup{Target: r.Target, Workload: r.Workload, Cells: map[string]map[string][]campaign.Result{}}
			byKey[k] = g
			out = append(out, g)
		}
		nem := r.NemesisLabel()
		if g.Cells[r.Mode] == nil {
			g.Modes = append(g.Modes, r.Mode)
			g.Cells[r.Mode] = map[string][]campaign.Result{}
		}
		if !contains(g.Nemeses, nem) {
			g.Nemeses = append(g.Nemeses, nem)
		}
		g.Cells[r.Mode][nem] = append(g.Cells[r.Mode][nem], r)
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// squareView is one square of a group's grid.
type squareView struct {
	Runs    []chipView
	Verdict string // the worst verdict of the square ("" when empty)
	Lines   []string
}

type chipView struct {
	Verdict, Title, Href, Mark string
	Met                        bool
}

type gridRow struct {
	Mode    string
	Squares []squareView
}

type groupView struct {
	Title   string
	Nemeses []string
	Rows    []gridRow
	Plots   []string
}

type tableRow struct {
	ID, Href, Target, Mode, Workload, Nemeses, Expect, Verdict, Why string
	Seed                                                            int64
	Met                                                             bool
	Cols                                                            []cellView
}

// colView is a metric column's head: short, with its full name as the
// title; Zero marks an anomaly kind counted 0 in every cell, a column the
// page hides until "show all columns" is opened.
type colView struct {
	Head, Title string
	Zero        bool
}

// cellView is one metric of a row, in a column that may be Zero.
type cellView struct {
	Text string
	Zero bool
}

type campaignView struct {
	Name, Verdict, Headline, Spec, Started, Duration string
	// Word and Class are the banner: a campaign is judged by its
	// expectations, so it passed or failed (never "valid" over invalid
	// runs that were expected to be invalid).
	Word, Class                 string
	Met, Missed, Total, Planned int
	ExitCode                    int
	Groups                      []groupView
	Columns                     []colView
	ZeroKinds                   []string // the all-zero columns' full names
	Rows                        []tableRow
	Families                    []legendRow
	Models                      modelTable
}

// metricCol is one column of the comparison table: its head (a few
// words), its full name, and for an anomaly kind the kind (a column that
// may be all zero).
type metricCol struct {
	name, title string
	kind        checker.Anomaly
	val         func(m *campaign.Metrics) string
}

// fixedCols are the columns every run has: measured from its history.
var fixedCols = []metricCol{
	{"avail in faults", "availability during faults: the share of client ops invoked while a fault was in place that completed ok", "", func(m *campaign.Metrics) string { return pctOrDash(m.AvailDuring) }},
	{"avail outside", "availability outside faults: the share of client ops invoked while no fault was in place that completed ok", "", func(m *campaign.Metrics) string { return pctOrDash(m.AvailOutside) }},
	{"p50 ms", "median latency of ok ops, in milliseconds", "", func(m *campaign.Metrics) string { return fmt.Sprintf("%.1f", m.P50Ms) }},
	{"p99 ms", "99th-percentile latency of ok ops, in milliseconds", "", func(m *campaign.Metrics) string { return fmt.Sprintf("%.1f", m.P99Ms) }},
	{"ok ops/s", "throughput: ok client ops per second", "", func(m *campaign.Metrics) string { return fmt.Sprintf("%.0f", m.Throughput) }},
	{"fault s", "seconds with a fault in place", "", func(m *campaign.Metrics) string { return fmt.Sprintf("%.1f", m.FaultSeconds) }},
}

// maxHead is the longest column head, in runes; a longer name is cut,
// whole in the head's title.
const maxHead = 16

// head is name cut to maxHead runes.
func head(name string) string {
	r := []rune(name)
	if len(r) <= maxHead {
		return name
	}
	return string(r[:maxHead-1]) + "…"
}

// zeroKind says whether col is an anomaly kind that no run counted.
func zeroKind(col metricCol, rs []campaign.Result) bool {
	if col.kind == "" {
		return false
	}
	for _, r := range rs {
		if r.Metrics != nil && r.Metrics.Anomalies[col.kind] != 0 {
			return false
		}
	}
	return true
}

// metricCols are the comparison table's metric columns for rs: a column
// for every anomaly kind some run's checkers counted, the fixed columns,
// then one for every measure some checker reported. They come from the
// results alone, so a new checker's figures appear with no edit here.
func metricCols(rs []campaign.Result) []metricCol {
	var kinds []checker.Anomaly
	measures := map[string]bool{}
	for _, r := range rs {
		if r.Metrics == nil {
			continue
		}
		kinds = append(kinds, r.Metrics.Anomalies.Kinds()...)
		for k := range r.Metrics.Measures {
			measures[k] = true
		}
	}
	var cols []metricCol
	for _, k := range checker.OrderAnomalies(kinds) {
		cols = append(cols, metricCol{k.Short(), k.Label() + " (" + string(k) + "), counted by the run's checkers", k, func(m *campaign.Metrics) string {
			n, ok := m.Anomalies[k]
			if !ok {
				return "–"
			}
			return fmt.Sprint(n)
		}})
	}
	cols = append(cols, fixedCols...)
	for _, k := range sortedKeys(measures) {
		cols = append(cols, metricCol{strings.ReplaceAll(k, "_", " "), k + ", a measure reported by the run's checkers", "", func(m *campaign.Metrics) string {
			v, ok := m.Measures[k]
			if !ok {
				return "–"
			}
			return fmt.Sprintf("%.0f", v)
		}})
	}
	return cols
}

func pctOrDash(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100**p)
}

// anomalyLines are a square's anomalies in a few words, summed over its
// runs; nothing found reads "no anomaly".
func anomalyLines(rs []campaign.Result) []string {
	sum := checker.Anomalies{}
	measured := false
	var avail []float64
	for _, r := range rs {
		m := r.Metrics
		if m == nil {
			continue
		}
		measured = true
		sum.Add(m.Anomalies)
		if m.AvailDuring != nil && !math.IsNaN(*m.AvailDuring) {
			avail = append(avail, *m.AvailDuring)
		}
	}
	if !measured {
		return nil
	}
	var lines []string
	for _, k := range sum.Kinds() {
		if sum[k] > 0 {
			lines = append(lines, fmt.Sprintf("%d %s", sum[k], k.Label()))
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "no anomaly")
	}
	if len(avail) > 0 {
		var t float64
		for _, a := range avail {
			t += a
		}
		lines = append(lines, fmt.Sprintf("%.0f%% answered during faults", 100*t/float64(len(avail))))
	}
	return lines
}

func verdictClass(r campaign.Result) string {
	if r.Verdict == "" {
		return "unknown"
	}
	return string(r.Verdict)
}

// runHref is the link to a cell's run report, relative to the campaign
// directory.
func runHref(r campaign.Result) string {
	if r.Run == "" {
		return ""
	}
	return filepath.ToSlash(filepath.Join(r.Run, rundir.IndexFile))
}

func campaignViewOf(s *campaign.Summary, plots map[string][]string) campaignView {
	v := campaignView{Name: s.Name, Verdict: s.Verdict, Spec: s.Spec, Met: s.Met, Missed: s.Missed,
		Total: len(s.Results), Planned: len(s.Cells), ExitCode: s.ExitCode, Started: s.Start.Format("2006-01-02 15:04:05 UTC")}
	if !s.End.IsZero() {
		v.Duration = s.End.Sub(s.Start).Round(1e9).String()
	}
	met := len(s.Results) - s.Missed
	switch {
	case s.Verdict == "running":
		v.Word, v.Class = "running", "unknown"
		v.Headline = fmt.Sprintf("running: %d of %d cells done", len(s.Results), len(s.Cells))
	case s.Missed == 0 && len(s.Results) == len(s.Cells):
		v.Word, v.Class = "passed", "valid"
		v.Headline = fmt.Sprintf("%d/%d expectations met", met, len(s.Cells))
	default:
		v.Word, v.Class = "failed", "invalid"
		if s.ExitCode == campaign.ExitUnknown || s.ExitCode == campaign.ExitHarness || s.ExitCode == campaign.ExitBadInput {
			v.Class = "unknown"
		}
		v.Headline = fmt.Sprintf("%d/%d expectations met; %d missed or not run (exit %d)", met, len(s.Cells), s.Missed+len(s.Cells)-len(s.Results), s.ExitCode)
	}
	cols := metricCols(s.Results)
	for _, m := range cols {
		c := colView{Head: head(m.name), Title: m.title, Zero: zeroKind(m, s.Results)}
		v.Columns = append(v.Columns, c)
		if c.Zero {
			v.ZeroKinds = append(v.ZeroKinds, m.kind.Label())
		}
	}
	families := map[string]bool{}
	for _, g := range GroupResults(s.Results) {
		gv := groupView{Title: g.Target + " · workload " + g.Workload, Nemeses: g.Nemeses, Plots: plots[g.Target+"-"+g.Workload]}
		for _, mode := range g.Modes {
			row := gridRow{Mode: mode}
			for _, nem := range g.Nemeses {
				rs := g.Cells[mode][nem]
				sq := squareView{Lines: anomalyLines(rs)}
				var worst []string
				for _, r := range rs {
					mark := "✓"
					if !r.Met {
						mark = "✗"
					}
					title := fmt.Sprintf("%s: %s, expected %s, seed %d", r.ID, verdictClass(r), r.Expect, r.Seed)
					if r.Why != "" {
						title += ": " + r.Why
					}
					sq.Runs = append(sq.Runs, chipView{Verdict: verdictClass(r), Title: title, Href: runHref(r), Mark: mark, Met: r.Met})
					worst = append(worst, verdictClass(r))
				}
				sq.Verdict = worstClass(worst)
				row.Squares = append(row.Squares, sq)
			}
			gv.Rows = append(gv.Rows, row)
		}
		v.Groups = append(v.Groups, gv)
	}
	for _, r := range s.Results {
		tr := tableRow{ID: r.ID, Href: runHref(r), Target: r.Target, Mode: r.Mode, Workload: r.Workload,
			Nemeses: r.NemesisLabel(), Expect: string(r.Expect), Verdict: verdictClass(r), Why: r.Why, Seed: r.Seed, Met: r.Met}
		for i, m := range cols {
			c := cellView{Text: "–", Zero: v.Columns[i].Zero}
			if r.Metrics != nil {
				c.Text = m.val(r.Metrics)
			}
			tr.Cols = append(tr.Cols, c)
		}
		v.Rows = append(v.Rows, tr)
		for _, n := range r.Nemeses {
			families[n] = true
		}
	}
	for _, f := range sortedKeys(families) {
		v.Families = append(v.Families, legendRow{Name: f, Colour: fault.Hex(f), Label: fault.Label(f)})
	}
	v.Models = modelTableOf(s.Results)
	return v
}

// worstClass merges verdicts invalid > unknown > valid.
func worstClass(vs []string) string {
	w := ""
	rank := map[string]int{"": 0, "valid": 1, "unknown": 2, "invalid": 3}
	for _, v := range vs {
		if rank[v] > rank[w] {
			w = v
		}
	}
	return w
}

// WriteCampaign writes the comparison report of a campaign into its
// directory: index.html (the verdict, a mode x fault grid per target and
// workload, the comparison table, the plots), plots/ and junit.xml.
func WriteCampaign(dir string, s *campaign.Summary) error {
	plots, perr := writeCampaignPlots(dir, s.Results)
	var b bytes.Buffer
	if err := campaignTmpl.Execute(&b, campaignViewOf(s, plots)); err != nil {
		return fmt.Errorf("reports: campaign %s: %w", rundir.IndexFile, err)
	}
	errs := []error{perr, rundir.WriteFile(dir, rundir.IndexFile, b.Bytes()), WriteCampaignJUnit(dir, s)}
	return errors.Join(errs...)
}

var campaignTmpl = template.Must(template.New("campaign").Funcs(template.FuncMap{
	"join": strings.Join,
	"plot": rundir.Plot,
}).Parse(campaignSource))

const campaignSource = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Word}}: campaign {{.Name}} — faultline</title>
<style>
:root{--valid:#2e7d32;--invalid:#c62828;--unknown:#ef6c00;--running:#546e7a}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fff;line-height:1.45}
main{max-width:90em;margin:0 auto;padding:0 1.2em 3em}
.banner{color:#fff;padding:1.1em 1.2em 1em}
.banner .inner{max-width:90em;margin:0 auto}
.banner.valid{background:var(--valid)}.banner.invalid{background:var(--invalid)}.banner.unknown{background:var(--unknown)}.banner.running{background:var(--running)}
.banner .verdict{font-size:3em;font-weight:800;letter-spacing:.04em;text-transform:uppercase;line-height:1}
.banner .headline{font-size:1.25em;margin-top:.35em;font-weight:500}
.banner .meta{margin-top:.6em;font-size:.95em;display:flex;flex-wrap:wrap;column-gap:1.4em}
.banner .meta span{white-space:nowrap}
h2{margin:1.6em 0 .5em;font-size:1.35em;border-bottom:2px solid #eee;padding-bottom:.2em}
h3{margin:1.2em 0 .4em;font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.28em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.badge{display:inline-block;color:#fff;padding:.05em .5em;border-radius:.25em;font-weight:700;font-size:.85em;text-transform:uppercase}
.badge.valid{background:var(--valid)}.badge.invalid{background:var(--invalid)}.badge.unknown{background:var(--unknown)}
table.grid td{min-width:11em}
#models{font-size:.85em}#models td{text-align:center;white-space:nowrap}#models thead th{max-width:7em}
#models td.holds{background:#e8f5e9;color:#1b5e20}#models td.ruled-out{background:#ffebee;color:#b71c1c;font-weight:600}#models td.not-checked{color:#999}
table.grid td.valid{background:#e8f5e9}table.grid td.invalid{background:#ffebee}table.grid td.unknown{background:#fff3e0}
table.grid th.mode{font-size:1.05em}
.chip{display:inline-block;min-width:1.6em;text-align:center;color:#fff;border-radius:3px;margin:0 .2em .2em 0;padding:0 .25em;font-weight:700;text-decoration:none}
.chip.valid{background:var(--valid)}.chip.invalid{background:var(--invalid)}.chip.unknown{background:var(--unknown)}
.chip.missed{outline:3px solid #000;outline-offset:1px}
.lines{font-size:.88em;color:#333}
td.id{white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
#cells td{white-space:nowrap}
#cells th.rot{vertical-align:bottom;text-align:center;padding:.45em .25em}
#cells th.rot span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;display:inline-block}
#cells .id{position:sticky;left:0;z-index:1;background:#fff;white-space:normal;box-shadow:inset -1px 0 0 #ddd}
#cells thead th{vertical-align:bottom}
#cells th.id{background:#f4f4f4}
#cells tr.missed td.id{background:#fff3f3}
#cells .idc{min-width:9em;max-width:16em}
.cells .zero{display:none}
details.allcols[open] ~ .cells .zero{display:table-cell}
details.allcols summary{cursor:pointer;margin:.3em 0}
details.allcols[open] ~ .zeronote{display:none}
tr.missed td{background:#fff3f3}
.small{color:#666;font-size:.88em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-.1em;margin-right:.3em}
.plots{display:flex;flex-wrap:wrap;gap:1em}
.plots img{width:560px;max-width:100%;height:auto;border:1px solid #eee}
</style></head><body>
<header class="banner {{.Class}}"><div class="inner">
<div class="verdict" id="verdict">{{.Word}}</div>
<div class="headline">{{.Headline}}</div>
<div class="meta"><span><b>campaign</b> {{.Name}}</span><span><b>spec</b> {{.Spec}}</span><span><b>started</b> {{.Started}}</span>{{if .Duration}}<span><b>took</b> {{.Duration}}</span>{{end}}<span><b>met</b> {{.Met}}</span><span><b>missed</b> {{.Missed}}</span>{{if ne .Verdict "running"}}<span><b>exit</b> {{.ExitCode}}</span>{{end}}</div>
</div></header>
<main>
<p class="small">Each square is one mode under one nemesis set; each chip one run (seed, repetition), coloured by its verdict and
linking to its report: ✓ met its expectation (an expected-invalid run that was caught is a ✓), ✗ missed it (outlined).
Faults: {{range .Families}}<span class="swatch" style="background:{{.Colour}}"></span>{{.Name}} {{end}}</p>
{{with .Models.Rows}}<h2>Consistency models</h2>
<p class="small">One row per target and mode, over all its runs; strongest model first. <b>✓ holds</b>: every run checked it (or a stronger model) over its whole history and nothing ruled it out;
<b>✗ ruled out</b>: some run found the anomaly named, which proves it does not hold (links to that run); <b>–</b>: not checked in every run.</p>
<div class="scroll"><table id="models"><thead><tr><th>target · mode</th>{{range $.Models.Heads}}<th>{{.}}</th>{{end}}<th title="availability during faults: the share of client ops invoked while a fault was in place that completed ok, mean over the runs">answered in faults</th><th>runs</th></tr></thead><tbody>
{{range .}}<tr><th>{{.Name}}</th>{{range .Cells}}<td class="{{.Class}}" title="{{.Title}}">{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</td>{{end}}<td class="num">{{.Avail}}</td><td class="num">{{.Runs}}</td></tr>
{{end}}</tbody></table></div>
{{end}}
{{range .Groups}}
<h2>{{.Title}}</h2>
<div class="scroll"><table class="grid"><tr><th>mode \ nemesis</th>{{range .Nemeses}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><th class="mode">{{.Mode}}</th>{{range .Squares}}<td class="{{.Verdict}}">{{range .Runs}}<a class="chip {{.Verdict}}{{if not .Met}} missed{{end}}" href="{{.Href}}" title="{{.Title}}">{{.Mark}}</a>{{end}}
<div class="lines">{{range .Lines}}{{.}}<br>{{end}}</div></td>{{end}}</tr>
{{end}}</table></div>
{{if .Plots}}<div class="plots">{{range .Plots}}<a href="{{plot . "svg"}}"><img src="{{plot . "png"}}" alt="{{.}}"></a>{{end}}</div>{{end}}
{{end}}
<h2>Every cell</h2>
{{if .ZeroKinds}}<details class="allcols"><summary>show all columns</summary><p class="small">Shown now: the {{len .ZeroKinds}} anomaly kinds no cell counted.</p></details>
<p class="small zeronote">Hidden, counted 0 in every cell: {{join .ZeroKinds ", "}}.</p>{{end}}
<div class="scroll cells" id="cells-scroll"><table id="cells"><thead><tr><th class="id">cell</th><th>mode</th><th>nemesis</th><th class="num">seed</th><th>expect</th><th>verdict</th>{{range .Columns}}<th class="num rot{{if .Zero}} zero{{end}}" title="{{.Title}}"><span>{{.Head}}</span></th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr class="{{if not .Met}}missed{{end}}"><td class="mono id"><div class="idc">{{if .Href}}<a href="{{.Href}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}{{if .Why}}<br><span class="small">{{.Why}}</span>{{end}}</div></td><td>{{.Mode}}</td><td>{{.Nemeses}}</td><td class="num">{{.Seed}}</td><td>{{.Expect}}</td><td><span class="badge {{.Verdict}}">{{.Verdict}}</span> {{if .Met}}✓{{else}}✗{{end}}</td>{{range .Cols}}<td class="num{{if .Zero}} zero{{end}}">{{.Text}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
<p class="small">– : not measured by this workload's checkers. Availability: share of client ops that completed ok, among those invoked while a fault was in place, and outside faults. Latency of ok ops. Converge: from the final heal until every replica of every key agreed.
Files: <a href="` + rundir.CampaignFile + `">` + rundir.CampaignFile + `</a> · <a href="` + rundir.JUnitFile + `">` + rundir.JUnitFile + `</a> · <a href="` + rundir.RunsDir + `/">` + rundir.RunsDir + `/</a></p>
</main></body></html>
`
