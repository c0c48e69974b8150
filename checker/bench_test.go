package checker

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// external is one parsed external history and its model.
type external struct {
	h history.History
	m Model
}

// externalHistories parses the 102 Jepsen etcd logs and the 6 porcupine kv
// histories (see TestPublishedVerdicts).
func externalHistories(b *testing.B) []external {
	b.Helper()
	var out []external
	for _, c := range []struct {
		dir, glob, format string
		m                 Model
		n                 int
	}{
		{"jepsen-etcd", "etcd_*.log", "jepsen", CASRegister(), 102},
		{"kv", "c*.txt", "edn", KV(), 6},
	} {
		files, err := filepath.Glob(filepath.Join(fixtures, c.dir, c.glob))
		if err != nil || len(files) != c.n {
			b.Fatalf("%s: want %d histories, got %d (%v)", c.dir, c.n, len(files), err)
		}
		for _, f := range files {
			h, err := ReadHistory(f, c.format)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, external{h, c.m})
		}
	}
	return out
}

// BenchmarkExternalHistories checks the 108 external histories with the
// Linearizable checker, one after the other: encoding into porcupine
// operations, the verdict pass and, on the invalid ones, the explanation
// pass (parsing excluded).
func BenchmarkExternalHistories(b *testing.B) {
	hs := externalHistories(b)
	for b.Loop() {
		for _, e := range hs {
			lin := Linearizable{Model: e.m, StopEarly: true} // like porcupine, which stops at the first illegal key
			if res := lin.Check(context.Background(), e.h); res.Verdict == Unknown {
				b.Fatal(res.Summary)
			}
		}
	}
}

// BenchmarkExternalHistoriesPorcupine is the baseline: porcupine called
// directly (with the model's partition by key) on the same operations,
// already encoded, with no checker around it.
func BenchmarkExternalHistoriesPorcupine(b *testing.B) {
	hs := externalHistories(b)
	ops := make([][]porcupine.Operation, len(hs))
	for i, e := range hs {
		p, err := e.m.prepare(e.h)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range sortedKeys(p.keys) {
			ops[i] = append(ops[i], p.keys[k]...)
		}
	}
	for b.Loop() {
		for i, o := range ops {
			porcupine.CheckOperations(hs[i].m.Porcupine, o)
		}
	}
}

// BenchmarkExternalHistoriesVerdict is the verdict pass alone (encoding
// and the bounded per-key check, no explanation), for comparison.
func BenchmarkExternalHistoriesVerdict(b *testing.B) {
	hs := externalHistories(b)
	for b.Loop() {
		for _, e := range hs {
			p, err := e.m.prepare(e.h)
			if err != nil {
				b.Fatal(err)
			}
			checkKeys(context.Background(), e.m, p.keys, 0, true)
		}
	}
}

// BenchmarkExternalRatio is the headline comparison: for each of the 108
// histories in turn, the Linearizable checker (encoding, verdict pass,
// explanation of an invalid one) and porcupine directly on the same parsed
// events, alternating which goes first, so that the load of a shared
// machine hits both alike. It reports the total wall and CPU time of each
// (per pass over the 108) and their ratios, and the ratio of the verdict
// pass alone (encoding and bounded per-key search, no explanation).
func BenchmarkExternalRatio(b *testing.B) {
	hs := externalHistories(b)
	var fl, pc, vd, flCPU, pcCPU, vdCPU time.Duration
	n := 0
	for b.Loop() {
		for i, e := range hs {
			ours := func() {
				if res := (Linearizable{Model: e.m, StopEarly: true}).Check(context.Background(), e.h); res.Verdict == Unknown {
					b.Fatal(res.Summary)
				}
			}
			theirs := func() {
				p, err := e.m.prepare(e.h) // porcupine needs operations: encoding is timed on both sides
				if err != nil {
					b.Fatal(err)
				}
				var ops []porcupine.Operation
				for _, k := range sortedKeys(p.keys) {
					ops = append(ops, p.keys[k]...)
				}
				porcupine.CheckOperations(e.m.Porcupine, ops)
			}
			verdict := func() {
				p, err := e.m.prepare(e.h)
				if err != nil {
					b.Fatal(err)
				}
				checkKeys(context.Background(), e.m, p.keys, 0, true)
			}
			timed := func(f func(), wall, cpu *time.Duration) {
				t0, c0 := time.Now(), processCPU(b)
				f()
				*wall += time.Since(t0)
				*cpu += processCPU(b) - c0
			}
			if (i+n)%2 == 0 {
				timed(ours, &fl, &flCPU)
				timed(theirs, &pc, &pcCPU)
			} else {
				timed(theirs, &pc, &pcCPU)
				timed(ours, &fl, &flCPU)
			}
			timed(verdict, &vd, &vdCPU)
		}
		n++
	}
	b.ReportMetric(float64(fl.Milliseconds())/float64(n), "faultline-ms")
	b.ReportMetric(float64(pc.Milliseconds())/float64(n), "porcupine-ms")
	b.ReportMetric(fl.Seconds()/pc.Seconds(), "ratio")
	b.ReportMetric(flCPU.Seconds()/pcCPU.Seconds(), "cpu-ratio")
	b.ReportMetric(vd.Seconds()/pc.Seconds(), "verdict-ratio")
}

// processCPU is the user+system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
