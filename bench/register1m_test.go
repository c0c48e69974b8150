package bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
)

// BenchmarkRegister1M checks a generated linearizable register history of
// 1,000,000 client ops (2,000,000 lines) over 10,000 keys, streamed from
// disk as `faultline analyze` does, and reports the peak Go heap during the
// check. It is only run by -bench (scripts/bench.sh), never by make test.
func BenchmarkRegister1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "reg1m.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteRegister(f, RegisterOptions{Ops: 1_000_000, Keys: 10_000, Processes: 50, Seed: 1, InfoPercent: 1}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		stop := samplePeakHeap(&peak)
		res, err := checker.AnalyzeFile(context.Background(), path, "cas-register", "jsonl", checker.Linearizable{})
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.Verdict != checker.Valid {
			b.Fatalf("%s: %s", res.Verdict, res.Summary)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// samplePeakHeap records the largest live-plus-garbage heap seen every 5ms
// until the returned stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			*peak = max(*peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
