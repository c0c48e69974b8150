package reports

import (
	"sort"

	"github.com/faultline/faultline/history"
)

// OpCount is how one operation's invocations ended.
type OpCount struct {
	F                    string
	OK, Fail, Info, Open int
}

// Total is the number of invocations.
func (c OpCount) Total() int { return c.OK + c.Fail + c.Info + c.Open }

// OpCounts counts client ops by f and outcome; an open invoke (the run
// ended first) counts as Open. Sorted by f.
func OpCounts(h history.History) []OpCount {
	m := map[string]*OpCount{}
	for _, p := range h.Pairs() {
		if p.Invoke.IsNemesis() {
			continue
		}
		c := m[p.Invoke.F]
		if c == nil {
			c = &OpCount{F: p.Invoke.F}
			m[p.Invoke.F] = c
		}
		switch {
		case p.Completion == nil:
			c.Open++
		case p.Completion.Type == history.OK:
			c.OK++
		case p.Completion.Type == history.Fail:
			c.Fail++
		default:
			c.Info++
		}
	}
	out := make([]OpCount, 0, len(m))
	for _, f := range sortedKeys(m) {
		out = append(out, *m[f])
	}
	return out
}

// LatencyStat is the latency distribution of one group of ops.
type LatencyStat struct {
	Group              string
	N                  int
	P50, P95, P99, Max int64 // ns
}

// LatencyStats gives the latency quantiles of the ok ops of each f, then
// of all completed ops together (group "all ops, any outcome").
func LatencyStats(samples []Sample) []LatencyStat {
	byF := map[string][]int64{}
	var all []int64
	for _, s := range samples {
		all = append(all, s.Latency)
		if s.Type == history.OK {
			byF[s.F] = append(byF[s.F], s.Latency)
		}
	}
	var out []LatencyStat
	for _, f := range sortedKeys(byF) {
		out = append(out, latencyStat(f+" ok", byF[f]))
	}
	if len(all) > 0 {
		out = append(out, latencyStat("all ops, any outcome", all))
	}
	return out
}

func latencyStat(group string, v []int64) LatencyStat {
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return LatencyStat{Group: group, N: len(v), P50: Quantile(v, 0.5), P95: Quantile(v, 0.95),
		P99: Quantile(v, 0.99), Max: v[len(v)-1]}
}
