package checker

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/jepsenlog"
)

func etcdHistories(b *testing.B) []history.History {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(fixtures, "jepsen-etcd", "etcd_*.log"))
	if err != nil || len(files) != 102 {
		b.Fatalf("want 102 logs, got %d (%v)", len(files), err)
	}
	hs := make([]history.History, len(files))
	for i, f := range files {
		if hs[i], err = jepsenlog.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	return hs
}

// BenchmarkEtcdHistories checks all 102 Jepsen etcd logs with the
// Linearizable checker (parsing excluded).
func BenchmarkEtcdHistories(b *testing.B) {
	hs := etcdHistories(b)
	lin := Linearizable{Model: CASRegister()}
	b.ResetTimer()
	for b.Loop() {
		for _, h := range hs {
			if res := lin.Check(context.Background(), h); res.Verdict == Unknown {
				b.Fatal(res.Summary)
			}
		}
	}
}

// BenchmarkEtcdHistoriesPorcupine is the baseline: porcupine called directly
// on the same operations, with no checker around it.
func BenchmarkEtcdHistoriesPorcupine(b *testing.B) {
	hs := etcdHistories(b)
	m := CASRegister()
	ops := make([][]porcupine.Operation, len(hs))
	for i, h := range hs {
		p, err := m.prepare(h)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range sortedKeys(p.keys) {
			ops[i] = append(ops[i], p.keys[k]...)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, o := range ops {
			porcupine.CheckOperations(m.Porcupine, o)
		}
	}
}
