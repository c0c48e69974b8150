package checker

import (
	"context"
	"testing"
)

// BenchmarkFIFO100k checks a valid 100,000-op queue history at
// concurrency 50 (simulated as in TestFIFODeepViolation: 200,000 history
// lines, about half enqueues, many empty dequeues) with FIFO, reading
// included. The issue asks for well under a second.
func BenchmarkFIFO100k(b *testing.B) {
	_, h := genLarge(100, 100_000, 50)
	if r := (FIFO{}).Check(context.Background(), h); r.Verdict != Valid {
		b.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	b.ResetTimer()
	for b.Loop() {
		if r := (FIFO{}).Check(context.Background(), h); r.Verdict != Valid {
			b.Fatal(r.Verdict)
		}
	}
}

// BenchmarkFIFO100kInvalid is the same history with one reordered pair of
// dequeues past op 60,000: the verdict and its explanation.
func BenchmarkFIFO100kInvalid(b *testing.B) {
	ops, h := genLarge(100, 100_000, 50)
	swapDeep(b, ops, h, 60_000)
	b.ResetTimer()
	for b.Loop() {
		if r := (FIFO{}).Check(context.Background(), h); r.Verdict != Invalid {
			b.Fatal(r.Verdict)
		}
	}
}
