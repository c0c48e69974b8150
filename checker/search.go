package checker

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// stoppable returns a copy of m whose steps refuse (return false) once stop
// is set, and a flag telling whether any step was refused. Refusing only
// prunes porcupine's search: an Ok found anyway is a real linearization, but
// an Illegal after a refusal proves nothing. Porcupine is always called with
// timeout 0 (wait for the search), so no goroutine outlives our call: the
// deadline is enforced through stop.
func stoppable(m porcupine.Model, stop *atomic.Bool) (porcupine.Model, *atomic.Bool) {
	refused := new(atomic.Bool)
	step := m.Step
	w := m
	w.Partition, w.PartitionEvent = nil, nil
	w.StepContext = func(_ context.Context, s, in, out any) (bool, any) {
		if stop.Load() {
			refused.Store(true)
			return false, s
		}
		return step(s, in, out)
	}
	w.Step = nil
	return w, refused
}

// keyResult is the verdict pass's result for one key and, when it is
// Illegal, the longest linearizable prefix the search reached (indices into
// the key's ops) and the state that prefix leaves.
type keyResult struct {
	res    porcupine.CheckResult
	prefix []int32
	state  any
}

// checkKey checks one key's operations with porcupine's plain search,
// tracing the deepest state it reaches (see trace.go); the ops are lent to
// the search and given back as they were. The result is Unknown
// when stop cut the search short before it could prove anything.
func checkKey(m Model, ops []porcupine.Operation, stop *atomic.Bool) keyResult {
	refused := new(atomic.Bool)
	t := m.search(ops, stop, refused)
	defer t.restore()
	res := porcupine.CheckOperationsTimeout(t.model(), t.operations(), 0)
	if res != porcupine.Ok && refused.Load() {
		res = porcupine.Unknown
	}
	kr := keyResult{res: res}
	if res == porcupine.Illegal {
		kr.prefix, kr.state = t.prefix()
	}
	return kr
}

// stopOn returns a flag that is set when ctx is done, and the function that
// stops the watcher goroutine and waits for it to exit.
func stopOn(ctx context.Context) (*atomic.Bool, func()) {
	stop := new(atomic.Bool)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			stop.Store(true)
		case <-quit:
		}
	}()
	return stop, func() { close(quit); <-done }
}

// keyOrder returns the keys, largest first (for load balance), then by name.
func keyOrder(keys map[string][]porcupine.Operation) []string {
	order := sortedKeys(keys)
	sort.SliceStable(order, func(i, j int) bool { return len(keys[order[i]]) > len(keys[order[j]]) })
	return order
}

// checkKeys checks every key on up to workers goroutines (all joined before
// it returns). Once a key is found illegal and stopEarly is set, the keys
// not yet finished are left unchecked (absent from the result); once ctx is
// done, unfinished keys are Unknown.
//
// When ctx has a deadline, keys are checked in two passes: first each key
// with a small slice of the budget, so that one hard key cannot hold the
// workers while easy keys (often the illegal ones) wait; then the keys the
// first pass could not settle, with whatever budget is left.
func checkKeys(ctx context.Context, m Model, keys map[string][]porcupine.Operation, workers int, stopEarly bool) map[string]keyResult {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	deadline, ok := ctx.Deadline()
	if !ok || len(keys) < 2 {
		return checkPass(ctx, m, keys, workers, stopEarly, 0)
	}
	budget := time.Until(deadline)
	slice := min(budget/20, budget*time.Duration(workers)/time.Duration(4*len(keys)))
	if slice < 10*time.Millisecond {
		return checkPass(ctx, m, keys, workers, stopEarly, 0)
	}
	out := checkPass(ctx, m, keys, workers, stopEarly, slice)
	if ctx.Err() != nil {
		return out
	}
	again := map[string][]porcupine.Operation{}
	for k, r := range out {
		if r.res == porcupine.Unknown {
			again[k] = keys[k]
		}
	}
	if len(again) == 0 || stopEarly && anyIllegal(out) {
		return out
	}
	for k, r := range checkPass(ctx, m, again, workers, stopEarly, 0) {
		out[k] = r
	}
	if stopEarly && anyIllegal(out) {
		for k, r := range out { // cut short by the violation: unchecked
			if r.res == porcupine.Unknown && ctx.Err() == nil {
				delete(out, k)
			}
		}
	}
	return out
}

func anyIllegal(out map[string]keyResult) bool {
	for _, r := range out {
		if r.res == porcupine.Illegal {
			return true
		}
	}
	return false
}

// checkPass is one pass of checkKeys; a positive slice bounds each key's
// search (a key cut short by its slice is Unknown).
func checkPass(ctx context.Context, m Model, keys map[string][]porcupine.Operation, workers int, stopEarly bool, slice time.Duration) map[string]keyResult {
	pctx, pcancel := context.WithCancel(ctx) // cancelled by a violation when stopEarly
	defer pcancel()
	stop, release := stopOn(pctx)
	defer release()
	var (
		mu      sync.Mutex
		out     = make(map[string]keyResult, len(keys))
		illegal atomic.Bool
		jobs    = make(chan string)
		wg      sync.WaitGroup
	)
	for range min(workers, max(len(keys), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				if stop.Load() {
					if !illegal.Load() {
						mu.Lock()
						out[k] = keyResult{res: porcupine.Unknown}
						mu.Unlock()
					}
					continue
				}
				kstop, krelease := stop, func() {}
				if slice > 0 {
					kctx, cancel := context.WithTimeout(pctx, slice)
					var kr func()
					kstop, kr = stopOn(kctx)
					krelease = func() { cancel(); kr() }
				}
				kr := checkKey(m, keys[k], kstop)
				krelease()
				if kr.res == porcupine.Unknown && illegal.Load() && ctx.Err() == nil {
					continue // cut short by another key's violation: unchecked
				}
				mu.Lock()
				out[k] = kr
				mu.Unlock()
				if kr.res == porcupine.Illegal && stopEarly {
					illegal.Store(true)
					stop.Store(true)
					pcancel()
				}
			}
		}()
	}
	for _, k := range keyOrder(keys) {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	return out
}
