package run

import (
	"encoding/json"
	"os"
	"runtime"
	"sync"
	"time"
)

// resources samples the controller's own footprint during a run — heap,
// goroutines, open files — so that a long soak shows whether any of them
// grows. The peaks and the last sample go into results.json's stats.
type resources struct {
	mu                 sync.Mutex
	peakHeap, lastHeap uint64
	peakGor, lastGor   int
	peakFDs, lastFDs   int
	firstGor, firstFDs int
	samples            int
	stop               chan struct{}
	done               chan struct{}
}

func startResources(every time.Duration) *resources {
	r := &resources{stop: make(chan struct{}), done: make(chan struct{})}
	r.sample()
	r.firstGor, r.firstFDs = r.lastGor, r.lastFDs
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				r.sample()
				return
			case <-t.C:
				r.sample()
			}
		}
	}()
	return r
}

func (r *resources) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gor := runtime.NumGoroutine()
	fds := -1
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		fds = len(ents)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples++
	r.lastHeap, r.lastGor, r.lastFDs = ms.HeapInuse, gor, fds
	r.peakHeap = max(r.peakHeap, ms.HeapInuse)
	r.peakGor = max(r.peakGor, gor)
	r.peakFDs = max(r.peakFDs, fds)
}

// finish stops sampling and returns the figures.
func (r *resources) finish() map[string]any {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return map[string]any{
		"samples":          r.samples,
		"heap_inuse_peak":  r.peakHeap,
		"heap_inuse_last":  r.lastHeap,
		"goroutines_first": r.firstGor,
		"goroutines_peak":  r.peakGor,
		"goroutines_last":  r.lastGor,
		"open_files_first": r.firstFDs,
		"open_files_peak":  r.peakFDs,
		"open_files_last":  r.lastFDs,
	}
}

// addStats merges extra sections into a results' stats object.
func addStats(stats json.RawMessage, extra map[string]any) json.RawMessage {
	m := map[string]any{}
	if len(stats) > 0 {
		json.Unmarshal(stats, &m)
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return stats
	}
	return b
}
