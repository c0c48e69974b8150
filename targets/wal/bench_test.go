package wal_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/targets/wal"
)

// BenchmarkAppend measures Append with 1 and 16 concurrent appenders of
// 100-byte records on the test's temp dir (real fsyncs). records/fsync
// shows group commit at work.
func BenchmarkAppend(b *testing.B) {
	for _, appenders := range []int{1, 16} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) {
			l, err := wal.Open(filepath.Join(b.TempDir(), "x.log"), wal.Options{}, func([]byte) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			payload := make([]byte, 100)
			for i := range payload {
				payload[i] = 'x'
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			syncs := wal.Syncs(l)
			b.SetBytes(int64(len(payload)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for range appenders {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						if err := l.Append(payload); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/float64(wal.Syncs(l)-syncs), "records/fsync")
		})
	}
}
