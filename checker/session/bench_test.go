package session

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
)

// BenchmarkCheck100k checks a valid 100,000-op history (200,000 lines)
// over 1,000 keys with 10 processes, all six models, reading included.
func BenchmarkCheck100k(b *testing.B) {
	h := genLoad(rand.New(rand.NewPCG(100, 1)), loadOpts{ops: 100_000, keys: 1000, procs: 10})
	if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid {
		b.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	b.ResetTimer()
	for b.Loop() {
		if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid {
			b.Fatal(r.Verdict)
		}
	}
}

// BenchmarkCheck100kInvalid is the same with one read in 100 stale (6
// keys then rule out causal consistency): every violating key's witness
// is found and explained too.
func BenchmarkCheck100kInvalid(b *testing.B) {
	h := genLoad(rand.New(rand.NewPCG(100, 1)), loadOpts{ops: 100_000, keys: 1000, procs: 10, stale: 0.01})
	b.ResetTimer()
	for b.Loop() {
		if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Invalid {
			b.Fatal(r.Verdict)
		}
	}
}

// BenchmarkCheckOneKey100k is 100,000 ops on one key by 10 processes:
// the per-key work at its largest.
func BenchmarkCheckOneKey100k(b *testing.B) {
	h := genLoad(rand.New(rand.NewPCG(100, 1)), loadOpts{ops: 100_000, keys: 1, procs: 10})
	b.ResetTimer()
	for b.Loop() {
		if r := (Checker{}).Check(context.Background(), h); r.Verdict != checker.Valid {
			b.Fatal(r.Verdict)
		}
	}
}
