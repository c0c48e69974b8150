package register

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/faultline/faultline/history"
)

// Options shapes the register generator. Zero fields take the defaults.
type Options struct {
	// OpsPerKey bounds the ops one key receives before it is retired and a
	// fresh key takes its place (default 200): short per-key histories keep
	// the linearizability check fast.
	OpsPerKey int
	// KeysInFlight is how many keys are active at once (default
	// max(1, Concurrency/3)): each op goes to one of them, drawn from the
	// worker's rng, so about three processes hit each key concurrently.
	KeysInFlight int
	// Concurrency is the number of workers, used only for the default above.
	Concurrency int
	// Read, Write, CAS weigh the op mix (default 2:1:1, i.e. 50/25/25).
	Read, Write, CAS int
	// MaxKeys ends the generator after that many keys (0: never ends; the
	// runner's time limit stops it).
	MaxKeys int
}

// recentValues is how many written values per key cas may pick its old from.
const recentValues = 5

// Generator produces read / write / cas ops over many independent keys
// k0, k1, .... Write and cas-new values are unique per key (a counter);
// a cas's old value is one of the key's recently written values, so cas
// sometimes succeeds. Safe for concurrent Next calls; deterministic for a
// given sequence of calls and rngs.
type Generator struct {
	opts Options

	mu      sync.Mutex
	active  []*keyState // Invariant: len(active) <= opts.KeysInFlight
	nextKey int         // number of keys started so far
}

type keyState struct {
	name   string
	ops    int     // ops handed out; Invariant: ops <= OpsPerKey
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
	if opts.Read <= 0 && opts.Write <= 0 && opts.CAS <= 0 {
		opts.Read, opts.Write, opts.CAS = 2, 1, 1
	}
	opts.Read, opts.Write, opts.CAS = max(0, opts.Read), max(0, opts.Write), max(0, opts.CAS)
	return &Generator{opts: opts}
}

// Options returns the options in use, defaults filled in.
func (g *Generator) Options() Options { return g.opts }

// Next returns the next invoke op for process, drawing the key slot and the
// op kind from rng.
func (g *Generator) Next(rng *rand.Rand, process history.Process) (history.Op, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	// Keep KeysInFlight keys active while the key budget lasts.
	for len(g.active) < g.opts.KeysInFlight && (g.opts.MaxKeys == 0 || g.nextKey < g.opts.MaxKeys) {
		g.active = append(g.active, &keyState{name: fmt.Sprintf("k%d", g.nextKey), next: 1})
		g.nextKey++
	}
	if len(g.active) == 0 {
		return history.Op{}, false
	}
	slot := rng.IntN(len(g.active))
	k := g.active[slot]
	op := history.Op{Process: process, Type: history.Invoke, Key: k.name}
	switch r := rng.IntN(g.opts.Read + g.opts.Write + g.opts.CAS); {
	case r < g.opts.Read:
		op.F = "read"
	case r < g.opts.Read+g.opts.Write || len(k.recent) == 0:
		// A cas before any write has no old value worth trying: write.
		op.F = "write"
		op.Value = history.Raw(k.take())
	default:
		old := k.recent[rng.IntN(len(k.recent))]
		op.F = "cas"
		op.Value = history.Raw([2]int64{old, k.take()})
	}
	k.ops++
	if k.ops >= g.opts.OpsPerKey {
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
