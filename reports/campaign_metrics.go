package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

// RunMetrics computes the numbers a campaign compares from a stored run
// directory alone: throughput, latency and availability from history.jsonl,
// anomaly counts and convergence time from results.json. A metric the
// run's checkers do not measure stays nil.
func RunMetrics(dir string) (*campaign.Metrics, error) {
	h, err := history.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("reports: metrics of %s: %w", dir, err)
	}
	var res checker.Results
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return nil, fmt.Errorf("reports: metrics of %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("reports: metrics of %s: results.json: %w", dir, err)
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

	for name, r := range res.Checkers {
		d := r.Details
		switch name {
		case "linearizable":
			n := len(list(d, "illegal_keys"))
			if n == 0 && r.Verdict == checker.Invalid {
				n = 1 // a model without keys (the queue): one history
			}
			if r.Verdict != checker.Unknown || n > 0 {
				addInt(&m.NonLinearizableKeys, n)
			}
		case "stale-reads":
			if n, ok := num(d, "stale_reads"); ok {
				addInt(&m.StaleReads, int(n))
			}
		case "set":
			if n, ok := num(d, "stale_reads"); ok {
				addInt(&m.StaleReads, int(n))
			}
			lost, ok1 := num(d, "lost_count")
			missing, ok2 := num(d, "missing_at_final_count")
			if ok1 || ok2 {
				addInt(&m.LostWrites, int(lost+missing))
			}
		case "convergence":
			if _, ok := d["divergent"]; ok {
				addInt(&m.DivergentKeys, len(list(d, "divergent")))
			}
			if n, ok := num(d, "time_to_converge_ms"); ok {
				m.ConvergeMs = &n
			}
		case "total-queue":
			if n, ok := num(d, "lost"); ok {
				addInt(&m.LostMessages, int(n))
			}
			if n, ok := num(d, "duplicated"); ok {
				addInt(&m.DuplicatedMessages, int(n))
			}
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

func addInt(p **int, n int) {
	if *p == nil {
		*p = new(int)
	}
	**p += n
}

// num reads a number from checker details, as written (int) or as read
// back from JSON (float64).
func num(d map[string]any, k string) (float64, bool) {
	switch v := d[k].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// list reads a list from checker details, as written or read back.
func list(d map[string]any, k string) []any {
	switch v := d[k].(type) {
	case []any:
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return nil
}
