package checker

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

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
func checkKeys(ctx context.Context, m Model, keys map[string][]porcupine.Operation, workers int, stopEarly bool) map[string]keyResult {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	stop, release := stopOn(ctx)
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
				kr := checkKey(m, keys[k], stop)
				if kr.res == porcupine.Unknown && illegal.Load() && ctx.Err() == nil {
					continue // cut short by another key's violation: unchecked
				}
				mu.Lock()
				out[k] = kr
				mu.Unlock()
				if kr.res == porcupine.Illegal && stopEarly {
					illegal.Store(true)
					stop.Store(true)
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
