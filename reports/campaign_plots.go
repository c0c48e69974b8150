package reports

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// campaignMetric is one bar chart of the comparison: a value per run,
// averaged over a square's runs (NaN: not measured, no bar).
type campaignMetric struct {
	file, title, ylabel string
	val                 func(m *campaign.Metrics) float64
}

var campaignMetrics = []campaignMetric{
	{"avail", "availability during faults", "% of ops ok", func(m *campaign.Metrics) float64 {
		if m.AvailDuring == nil {
			return math.NaN()
		}
		return 100 * *m.AvailDuring
	}},
	{"p99", "latency p99 (ok ops)", "ms", func(m *campaign.Metrics) float64 { return m.P99Ms }},
	{"throughput", "throughput", "ok ops/s", func(m *campaign.Metrics) float64 { return m.Throughput }},
}

// writeCampaignPlots draws, for each target and workload with more than
// one mode or nemesis set, one grouped bar chart per metric (x: nemesis set, one bar per mode) into dir/plots, as
// PNG and SVG. It returns the plot names by group "TARGET-WORKLOAD".
func writeCampaignPlots(dir string, rs []campaign.Result) (map[string][]string, error) {
	out := map[string][]string{}
	var errs []error
	for _, g := range GroupResults(rs) {
		if len(g.Modes)*len(g.Nemeses) < 2 {
			continue // one square: nothing to compare
		}
		key := g.Target + "-" + g.Workload
		for _, cm := range append(slices.Clone(campaignMetrics), anomalyMetrics(rs)...) {
			p, ok, err := campaignBarPlot(g, cm)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !ok {
				continue
			}
			name := "campaign-" + key + "-" + cm.file
			for _, ext := range rundir.PlotFormats {
				wt, err := p.WriterTo(6*vg.Inch, 3.2*vg.Inch, ext)
				if err == nil {
					err = writeTo(dir, rundir.Plot(name, ext), wt)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("reports: campaign plot %s: %w", name, err))
				}
			}
			out[key] = append(out[key], name)
		}
	}
	return out, errors.Join(errs...)
}

// campaignBarPlot draws one metric of one group; ok is false when no run
// measured it.
func campaignBarPlot(g *CampaignGroup, cm campaignMetric) (*plot.Plot, bool, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s · %s: %s", g.Target, g.Workload, cm.title)
	p.Y.Label.Text = cm.ylabel
	p.Y.Min = 0
	p.Legend.Top = true
	width := vg.Points(40) / vg.Length(max(1, len(g.Modes)))
	width = max(width, vg.Points(6))
	any := false
	top := 0.0
	for i, mode := range g.Modes {
		vals := make(plotter.Values, len(g.Nemeses))
		for j, nem := range g.Nemeses {
			var sum float64
			n := 0
			for _, r := range g.Cells[mode][nem] {
				if r.Metrics == nil {
					continue
				}
				if v := cm.val(r.Metrics); !math.IsNaN(v) {
					sum += v
					n++
				}
			}
			if n > 0 {
				vals[j] = sum / float64(n)
				top = max(top, vals[j])
				any = true
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, false, fmt.Errorf("reports: campaign plot: %w", err)
		}
		bars.LineStyle.Width = 0
		bars.Color = opPalette[i%len(opPalette)]
		bars.Offset = vg.Length(i)*width - vg.Length(len(g.Modes)-1)*width/2
		p.Add(bars)
		p.Legend.Add(mode, bars)
	}
	p.NominalX(g.Nemeses...)
	// Headroom above the tallest bar for the legend (one line per mode).
	p.Y.Max = max(top, 1) * (1.15 + 0.1*float64(len(g.Modes)))
	return p, any, nil
}

// anomalyMetrics is one chart per anomaly kind some run counted: counts of
// unlike kinds (stale reads and lost writes) are never summed into one bar.
func anomalyMetrics(rs []campaign.Result) []campaignMetric {
	var kinds []checker.Anomaly
	for _, r := range rs {
		if r.Metrics != nil {
			kinds = append(kinds, r.Metrics.Anomalies.Kinds()...)
		}
	}
	var out []campaignMetric
	for _, k := range checker.OrderAnomalies(kinds) {
		if !rundir.ValidName(string(k)) {
			continue // a kind read back from a file: never a path
		}
		out = append(out, campaignMetric{"anomalies-" + string(k), k.Label() + " (mean per run)", "count",
			func(m *campaign.Metrics) float64 {
				n, ok := m.Anomalies[k]
				if !ok {
					return math.NaN() // not measured in this run
				}
				return float64(n)
			}})
	}
	return out
}
