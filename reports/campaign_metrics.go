package reports

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// RunMetrics computes the numbers a campaign compares from a stored run
// directory alone: throughput, latency and availability from history.jsonl,
// anomaly counts and convergence time from results.json. A metric the
// run's checkers do not measure stays nil.
func RunMetrics(dir string) (*campaign.Metrics, error) {
	h, err := history.ReadFile(filepath.Join(dir, rundir.HistoryFile))
	if err != nil {
		return nil, fmt.Errorf("reports: metrics of %s: %w", dir, err)
	}
	res, err := rundir.ReadResults(dir)
	if err != nil {
		return nil, fmt.Errorf("reports: metrics of %s: %w", dir, err)
	}
	return Metrics(h, res), nil
}

// Metrics computes a run's campaign metrics from its history and results.
func Metrics(h history.History, res checker.Results) *campaign.Metrics {
	m := &campaign.Metrics{}
	samples := Samples(h)
	faults := fault.Intervals(h)
	var okLat []int64
	var first, last int64 = math.MaxInt64, 0
	for _, s := range samples {
		m.Ops++
		first, last = min(first, s.Time), max(last, s.Done)
		if s.Type == history.OK {
			m.OK++
			okLat = append(okLat, s.Latency)
		}
	}
	if last > first {
		m.Throughput = float64(m.OK) / (float64(last-first) / 1e9)
	}
	if len(okLat) > 0 {
		sort.Slice(okLat, func(i, j int) bool { return okLat[i] < okLat[j] })
		m.P50Ms = float64(Quantile(okLat, 0.5)) / 1e6
		m.P99Ms = float64(Quantile(okLat, 0.99)) / 1e6
	}
	a := Avail(samples, faults)
	if a.DuringTotal > 0 {
		v := a.During()
		m.AvailDuring = &v
	}
	if a.OutsideTotal > 0 {
		v := a.Outside()
		m.AvailOutside = &v
	}
	m.Faults = len(faults)
	m.FaultSeconds = faultSeconds(faults)

	// Each checker says what it measured: the counts add up by kind (two
	// checkers counting stale reads of different workloads' histories),
	// the measures keep the last checker's by name order.
	for _, name := range sortedKeys(res.Checkers) {
		r := res.Checkers[name]
		if len(r.Anomalies) > 0 {
			if m.Anomalies == nil {
				m.Anomalies = checker.Anomalies{}
			}
			m.Anomalies.Add(r.Anomalies)
		}
		for k, v := range r.Measures {
			if m.Measures == nil {
				m.Measures = map[string]float64{}
			}
			m.Measures[k] = v
		}
	}
	return m
}

// faultSeconds is the time during which at least one fault was in place.
func faultSeconds(fs []fault.Interval) float64 {
	iv := make([][2]int64, 0, len(fs))
	for _, f := range fs {
		iv = append(iv, [2]int64{f.Start, f.End})
	}
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	var total, end int64 = 0, math.MinInt64
	for _, x := range iv {
		if x[0] > end {
			total += x[1] - x[0]
			end = x[1]
		} else if x[1] > end {
			total += x[1] - end
			end = x[1]
		}
	}
	return float64(total) / 1e9
}
