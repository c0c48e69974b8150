package kv

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/faultline/faultline/history"
)

// Options shapes the kv generator. Zero fields take the defaults.
type Options struct {
	// OpsPerKey bounds the ops one key receives before a fresh key takes
	// its place (default 200), keeping each key's linearizability check
	// small.
	OpsPerKey int
	// KeysInFlight is how many keys are active at once (default
	// max(1, Concurrency/3)).
	KeysInFlight int
	// Concurrency is the number of workers, used only for the default above.
	Concurrency int
	// CAS enables compare-and-set ops (only serial mode supports them).
	CAS bool
	// ReadWeight and WriteWeight and CASWeight weigh the op mix (default
	// 1:1, and 1:1:1 with CAS); CASWeight counts only when CAS is set.
	ReadWeight, WriteWeight, CASWeight int
	// MaxKeys ends the generator after that many keys (0: never ends).
	MaxKeys int
}

// recentValues is how many written values per key a cas picks its old from.
const recentValues = 5

// Generator produces read / write (/ cas) ops over independent keys k0, k1,
// .... Write and cas-new values are unique per key. Safe for concurrent
// Next calls; deterministic for a given sequence of calls and rngs.
type Generator struct {
	opts Options

	mu      sync.Mutex
	active  []*keyState // Invariant: len(active) <= opts.KeysInFlight
	nextKey int         // keys started so far: k0 .. k(nextKey-1)
}

type keyState struct {
	name   string
	ops    int     // Invariant: ops <= OpsPerKey
	next   int64   // the next unique value for this key
	recent []int64 // the last recentValues values written or cas'd in
}

// NewGenerator returns a generator with opts' defaults filled in.
func NewGenerator(opts Options) *Generator {
	if opts.OpsPerKey <= 0 {
		opts.OpsPerKey = 200
	}
	if opts.KeysInFlight <= 0 {
		opts.KeysInFlight = max(1, opts.Concurrency/3)
	}
	opts.ReadWeight, opts.WriteWeight, opts.CASWeight = max(0, opts.ReadWeight), max(0, opts.WriteWeight), max(0, opts.CASWeight)
	if !opts.CAS {
		opts.CASWeight = 0
	}
	if opts.ReadWeight+opts.WriteWeight+opts.CASWeight == 0 {
		opts.ReadWeight, opts.WriteWeight = 1, 1
		if opts.CAS {
			opts.CASWeight = 1
		}
	}
	return &Generator{opts: opts}
}

// Options returns the options in use, defaults filled in.
func (g *Generator) Options() Options { return g.opts }

// Keys lists every key handed out so far, in order.
func (g *Generator) Keys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := make([]string, g.nextKey)
	for i := range keys {
		keys[i] = keyName(i)
	}
	return keys
}

func keyName(i int) string { return fmt.Sprintf("k%d", i) }

// Next returns the next invoke op for process.
func (g *Generator) Next(rng *rand.Rand, process history.Process) (history.Op, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.active) < g.opts.KeysInFlight && (g.opts.MaxKeys == 0 || g.nextKey < g.opts.MaxKeys) {
		g.active = append(g.active, &keyState{name: keyName(g.nextKey), next: 1})
		g.nextKey++
	}
	if len(g.active) == 0 {
		return history.Op{}, false
	}
	slot := rng.IntN(len(g.active))
	k := g.active[slot]
	op := history.Op{Process: process, Type: history.Invoke, Key: k.name}
	o := g.opts
	switch r := rng.IntN(o.ReadWeight + o.WriteWeight + o.CASWeight); {
	case r < o.ReadWeight:
		op.F = "read"
	case r < o.ReadWeight+o.WriteWeight || len(k.recent) == 0:
		op.F = "write"
		op.Value = history.Raw(k.take())
	default:
		old := k.recent[rng.IntN(len(k.recent))]
		op.F = "cas"
		op.Value = history.Raw([2]int64{old, k.take()})
	}
	k.ops++
	if k.ops >= o.OpsPerKey {
		g.active = append(g.active[:slot], g.active[slot+1:]...)
	}
	return op, true
}

// take returns the key's next unique value and remembers it as recent.
func (k *keyState) take() int64 {
	v := k.next
	k.next++
	k.recent = append(k.recent, v)
	if len(k.recent) > recentValues {
		k.recent = k.recent[1:]
	}
	return v
}
