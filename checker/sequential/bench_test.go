package sequential

import (
	"context"
	"math/rand"
	"testing"

	"github.com/faultline/faultline/checker"
)

// BenchmarkCheck checks a simulated run of 100,000 ops (200,000 history
// entries: invokes and completions) over 1,000 keys by 10 workers: read,
// write and cas, a few timing out.
func BenchmarkCheck(b *testing.B) {
	h := genRun(rand.New(rand.NewSource(1)), 100_000, 1_000, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid {
			b.Fatal(r.Summary)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/client-op")
}
