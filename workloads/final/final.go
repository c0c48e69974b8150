package final

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
)

// F is the op function of every final read.
const F = "final-read"

// FirstProcess is the default process of the first node's final reads.
const FirstProcess history.Process = 1 << 20

// Recorder appends ops to the run's history, assigning Index and Time
// (run.Recorder satisfies it).
type Recorder interface {
	Record(op history.Op) (history.Op, error)
}

// KVState is a node's own stored version of a kv key (GET /local/kv/{key}).
type KVState = api.KVState

// LocalKV reads kv keys' local state on any node; the lead's kv client
// implements it over GET /local/kv/{key}.
type LocalKV interface {
	LocalRead(ctx context.Context, node, key string) (KVState, error)
}

// SetState is a node's own stored version of a set (GET /local/set/{key}).
type SetState = api.SetState

// LocalSet reads sets' local state on any node, over GET /local/set/{key}.
type LocalSet interface {
	LocalSetRead(ctx context.Context, node, key string) (SetState, error)
}

// KeyLister, when the LocalKV or LocalSet also implements it, lists the
// keys a node stores (GET /local/keys), so keys the generator never named
// (there should be none) are read too.
type KeyLister interface {
	LocalKeys(ctx context.Context, node string) (kv, set []string, err error)
}

// Options shape the final phase. Zero fields take the defaults.
type Options struct {
	Nodes []string // every node, in order (required)
	Keys  []string // keys to read (e.g. the generator's Keys()); a KeyLister adds more
	// Timeout bounds the whole phase (default 30s): keys still divergent
	// then are left for the checker to report.
	Timeout time.Duration
	// Interval is the pause between rounds (default 250ms).
	Interval time.Duration
	// ReadTimeout bounds one local read (default 2s).
	ReadTimeout time.Duration
	// Process is the first node's process id (default FirstProcess); node
	// i reads as Process+i. It must not collide with a worker's process.
	Process history.Process
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Interval <= 0 {
		o.Interval = 250 * time.Millisecond
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 2 * time.Second
	}
	if o.Process <= 0 {
		o.Process = FirstProcess
	}
	return o
}

// Summary says how the phase ended, for status lines (the checker reads
// the history, not this).
type Summary struct {
	Rounds    int      // rounds run
	Keys      int      // keys read
	Divergent []string // keys whose replicas still disagreed (or could not all be read) at the end
}

// reader reads one key on one node: the Value to record (without the
// round) and a canonical form of the state for comparing replicas.
type reader func(ctx context.Context, node, key string) (value map[string]any, replica bool, state string, err error)

// ReadKV runs the final phase over kv keys.
func ReadKV(ctx context.Context, rec Recorder, api LocalKV, opts Options) (Summary, error) {
	read := func(ctx context.Context, node, key string) (map[string]any, bool, string, error) {
		s, err := api.LocalRead(ctx, node, key)
		if err != nil {
			return nil, false, "", err
		}
		state := "null"
		if s.Value != nil {
			state = strconv.FormatInt(*s.Value, 10)
		}
		return map[string]any{"value": s.Value, "ts": s.TS, "replica": s.Replica}, s.Replica, state, nil
	}
	return run(ctx, rec, api, opts, read, func(kv, _ []string) []string { return kv })
}

// ReadSets runs the final phase over sets.
func ReadSets(ctx context.Context, rec Recorder, api LocalSet, opts Options) (Summary, error) {
	read := func(ctx context.Context, node, key string) (map[string]any, bool, string, error) {
		s, err := api.LocalSetRead(ctx, node, key)
		if err != nil {
			return nil, false, "", err
		}
		els := slices.Clone(s.Elements)
		slices.Sort(els)
		els = slices.Compact(els)
		if els == nil {
			els = []int64{}
		}
		return map[string]any{"elements": els, "replica": s.Replica}, s.Replica, fmt.Sprint(els), nil
	}
	return run(ctx, rec, api, opts, read, func(_, set []string) []string { return set })
}

// run reads rounds until every key agrees or the deadline passes.
func run(ctx context.Context, rec Recorder, api any, opts Options, read reader, pick func(kv, set []string) []string) (Summary, error) {
	opts = opts.withDefaults()
	if len(opts.Nodes) == 0 {
		return Summary{}, errors.New("final: no nodes to read")
	}
	if rec == nil {
		return Summary{}, errors.New("final: no recorder")
	}
	deadline := time.Now().Add(opts.Timeout)
	pending := keysToRead(ctx, api, opts, pick)
	sum := Summary{Keys: len(pending)}
	for round := 0; len(pending) > 0; round++ {
		agreed, err := readRound(ctx, rec, opts, read, round, pending)
		sum.Rounds = round + 1
		if err != nil {
			sum.Divergent = pending
			return sum, err
		}
		pending = slices.DeleteFunc(pending, func(k string) bool { return agreed[k] })
		if len(pending) == 0 || time.Now().Add(opts.Interval).After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			sum.Divergent = pending
			return sum, fmt.Errorf("final: stopped after %d rounds: %w", sum.Rounds, ctx.Err())
		case <-time.After(opts.Interval):
		}
	}
	sum.Divergent = pending
	return sum, nil
}

// keysToRead is opts.Keys plus whatever a KeyLister reports, sorted.
func keysToRead(ctx context.Context, api any, opts Options, pick func(kv, set []string) []string) []string {
	keys := slices.Clone(opts.Keys)
	if l, ok := api.(KeyLister); ok {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, n := range opts.Nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, cancel := context.WithTimeout(ctx, opts.ReadTimeout)
				defer cancel()
				kv, set, err := l.LocalKeys(rctx, n)
				if err != nil {
					return // the explicit keys are still read; the node's failures show in the reads
				}
				mu.Lock()
				keys = append(keys, pick(kv, set)...)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys)
}

// compareKeys sorts k2 before k10.
func compareKeys(a, b string) int {
	ta, na := splitKey(a)
	tb, nb := splitKey(b)
	if c := strings.Compare(ta, tb); c != 0 {
		return c
	}
	if c := cmp.Compare(na, nb); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func splitKey(k string) (string, int) {
	i := len(k)
	for i > 0 && k[i-1] >= '0' && k[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(k[i:])
	if err != nil {
		return k, -1
	}
	return k[:i], n
}

// readRound reads every pending key on every node (one process per node,
// nodes in parallel) and reports which keys agreed.
func readRound(ctx context.Context, rec Recorder, opts Options, read reader, round int, keys []string) (map[string]bool, error) {
	type obs struct {
		ok, replica bool
		state       string
	}
	got := make([]map[string]obs, len(opts.Nodes))
	errs := make([]error, len(opts.Nodes))
	var wg sync.WaitGroup
	for i, node := range opts.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = map[string]obs{}
			proc := opts.Process + history.Process(i)
			for _, key := range keys {
				inv, err := rec.Record(history.Op{Process: proc, Type: history.Invoke, F: F, Key: key, Node: node,
					Value: history.Raw(map[string]int{"round": round})})
				if err != nil {
					errs[i] = fmt.Errorf("final: record: %w", err)
					return
				}
				rctx, cancel := context.WithTimeout(ctx, opts.ReadTimeout)
				value, replica, state, err := read(rctx, node, key)
				cancel()
				var done history.Op
				if err != nil {
					done = inv.Complete(history.Fail, history.Raw(map[string]int{"round": round}), fmt.Sprintf("final: node %q key %q: %v", node, key, err))
				} else {
					value["round"] = round
					done = inv.Complete(history.OK, history.Raw(value), "")
					got[i][key] = obs{ok: true, replica: replica, state: state}
				}
				if _, err := rec.Record(done); err != nil {
					errs[i] = fmt.Errorf("final: record: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	agreed := map[string]bool{}
	for _, key := range keys {
		agree, first := true, ""
		seen := false
		for i := range opts.Nodes {
			o := got[i][key]
			if !o.ok {
				agree = false
				break
			}
			if !o.replica {
				continue
			}
			if seen && o.state != first {
				agree = false
				break
			}
			seen, first = true, o.state
		}
		agreed[key] = agree
	}
	return agreed, nil
}
