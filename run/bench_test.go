package run

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/workloads"
)

// fastStore is an in-memory register store, sharded so that the target
// itself costs next to nothing: what the controller benchmark measures is
// the controller.
type fastStore struct {
	shards [64]struct {
		mu   sync.Mutex
		vals map[string]json.RawMessage
	}
}

func (s *fastStore) Setup(context.Context) error {
	for i := range s.shards {
		s.shards[i].vals = map[string]json.RawMessage{}
	}
	return nil
}
func (s *fastStore) Teardown(context.Context) error                     { return nil }
func (s *fastStore) CollectLogs(context.Context, string) error          { return nil }
func (s *fastStore) Residue(context.Context) ([]string, error)          { return nil, nil }
func (s *fastStore) Invoke(_ context.Context, op history.Op) history.Op { return s.apply(op) }
func (s *fastStore) Close() error                                       { return nil }

func (s *fastStore) apply(op history.Op) history.Op {
	h := 0
	for i := 0; i < len(op.Key); i++ {
		h = h*31 + int(op.Key[i])
	}
	sh := &s.shards[h&63]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if op.F == "write" {
		sh.vals[op.Key] = op.Value
		return op.Complete(history.OK, op.Value, "")
	}
	return op.Complete(history.OK, sh.vals[op.Key], "")
}

// fastGen writes unique values and reads over 1000 keys, lock-free.
type fastGen struct{ n atomic.Int64 }

func (g *fastGen) Next(rng *rand.Rand, _ history.Process) (history.Op, bool) {
	key := "k" + strconv.Itoa(rng.IntN(1000))
	if rng.IntN(2) == 0 {
		return history.Op{F: "write", Key: key, Value: history.Raw(g.n.Add(1))}, true
	}
	return history.Op{F: "read", Key: key}, true
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkController runs the real runner (workers, history writer with
// its interval fsync, progress) against the in-process fastStore for 2 s, at
// rate 0 (as fast as it goes) and at 20,000 ops/s, and reports the client ops recorded per second and the CPU the
// whole process spent per op during the workload phase (getrusage; the
// target's share is a map access under a sharded lock). No checker runs.
func BenchmarkController(b *testing.B) {
	for _, c := range []struct {
		conc int
		rate float64
	}{{10, 0}, {50, 0}, {50, 20000}} {
		conc := c.conc
		name := "c" + strconv.Itoa(conc)
		if c.rate > 0 {
			name += "-rate" + strconv.Itoa(int(c.rate))
		}
		b.Run(name, func(b *testing.B) {
			var ops, wall, cpu float64
			for b.Loop() {
				store := &fastStore{}
				var cpu0, cpu1 time.Duration
				var t0, t1 time.Time
				tt := &Test{
					Config: rundir.Config{Name: "bench", Concurrency: conc, Rate: c.rate, TimeLimit: rundir.Duration(2 * time.Second),
						OpTimeout: rundir.Duration(time.Second), Nodes: []rundir.Node{{Name: "n1"}, {Name: "n2"}, {Name: "n3"}}},
					Target:    setupHook{store, func() { cpu0, t0 = cpuTime(b), time.Now() }},
					Generator: &fastGen{},
					NewClient: func(string) (workloads.Client, error) { return store, nil },
					Final: func(context.Context, Recorder) error {
						cpu1, t1 = cpuTime(b), time.Now()
						return nil
					},
					Store: b.TempDir(),
				}
				out, err := Run(context.Background(), tt)
				if err != nil {
					b.Fatal(err)
				}
				n := countCompletions(b, filepath.Join(out.Dir, "history.jsonl"))
				ops += float64(n)
				wall += t1.Sub(t0).Seconds()
				cpu += (cpu1 - cpu0).Seconds()
			}
			b.ReportMetric(ops/wall, "ops/s")
			b.ReportMetric(cpu/ops*1e6, "cpu-us/op")
			b.ReportMetric(cpu/wall, "cores")
		})
	}
}

// setupHook is a Target that calls hook when Setup returns: the workload
// starts right after.
type setupHook struct {
	*fastStore
	hook func()
}

func (s setupHook) Setup(ctx context.Context) error {
	err := s.fastStore.Setup(ctx)
	s.hook()
	return err
}

func countCompletions(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	if _, err := history.Scan(f, path, func(o history.Op) error {
		if !o.IsNemesis() && o.Type != history.Invoke {
			n++
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return n
}
