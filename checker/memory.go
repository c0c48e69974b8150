package checker

import (
	"context"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultMemoryBudget is the heap a check may grow to when its
// MemoryBudget is 0: a quarter of the machine's memory (1 GiB when that
// cannot be read). A search that would outgrow it stops, and its verdict
// is unknown, saying so, rather than taking the machine down.
var DefaultMemoryBudget = func() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil && si.Totalram > 0 {
		return int64(si.Totalram) * int64(si.Unit) / 4
	}
	return 1 << 30
}()

// memoryPoll is how often the heap is sampled against the budget.
const memoryPoll = 20 * time.Millisecond

// withMemoryBudget returns a context that is cancelled when the live heap
// passes budget bytes, a flag that says whether that happened, and the
// function that stops the watcher and waits for it (call it before
// returning: no goroutine outlives the check).
func withMemoryBudget(ctx context.Context, budget int64) (context.Context, *atomic.Bool, func()) {
	mctx, cancel := context.WithCancel(ctx)
	over := new(atomic.Bool)
	if budget <= 0 {
		budget = DefaultMemoryBudget
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(memoryPoll)
		defer t.Stop()
		for {
			select {
			case <-mctx.Done():
				return
			case <-t.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() == metrics.KindUint64 && int64(sample[0].Value.Uint64()) > budget {
					over.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return mctx, over, func() { cancel(); wg.Wait() }
}
