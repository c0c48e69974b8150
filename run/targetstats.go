package run

import (
	"context"
	"sync"
	"time"
)

// StatsReporter is a Target that reports per-node figures of the system
// under test (e.g. a daemon's RSS and log length). The runner samples it
// during the workload and keeps first, peak and last per node and figure in
// results.json's stats, so a long run shows whether the target's memory is
// bounded.
type StatsReporter interface {
	NodeStats(ctx context.Context) (map[string]map[string]float64, error)
}

type statSeries struct{ First, Peak, Last float64 }

// targetStats samples a StatsReporter every interval until stop is closed.
type targetStats struct {
	mu     sync.Mutex
	series map[string]map[string]*statSeries
	done   chan struct{}
}

func startTargetStats(ctx context.Context, r StatsReporter, every time.Duration, stop <-chan struct{}) *targetStats {
	ts := &targetStats{series: map[string]map[string]*statSeries{}, done: make(chan struct{})}
	sample := func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		m, err := r.NodeStats(sctx)
		if err != nil && len(m) == 0 {
			return
		}
		ts.mu.Lock()
		defer ts.mu.Unlock()
		for node, figs := range m {
			if ts.series[node] == nil {
				ts.series[node] = map[string]*statSeries{}
			}
			for k, v := range figs {
				s := ts.series[node][k]
				if s == nil {
					s = &statSeries{First: v, Peak: v}
					ts.series[node][k] = s
				}
				s.Peak = max(s.Peak, v)
				s.Last = v
			}
		}
	}
	go func() {
		defer close(ts.done)
		sample()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return ts
}

// result waits for the sampler to finish and returns what it saw.
func (ts *targetStats) result() map[string]map[string]statSeries {
	<-ts.done
	ts.mu.Lock()
	defer ts.mu.Unlock()
	out := map[string]map[string]statSeries{}
	for node, figs := range ts.series {
		out[node] = map[string]statSeries{}
		for k, s := range figs {
			out[node][k] = *s
		}
	}
	return out
}
