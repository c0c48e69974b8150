package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

type fifoInput struct {
	F byte // 'e' enqueue, 'd' dequeue
	V int64
}

type fifoOutput struct {
	Known bool // false: info or open
	Empty bool // dequeue found the queue empty
	V     int64
}

// fifoState is the queue's contents, head first. Steps never modify a
// state in place.
type fifoState []int64

// FIFOQueue is the model of one FIFO queue of ints (no keys: the whole
// history is one object): enqueue (invoke value: the int) and dequeue (ok
// value: the element removed, or null when the queue was empty). Fails are
// dropped; an info or open enqueue appends at its linearization point, an
// info or open dequeue removes the head (if any) at its linearization point,
// and both may be linearized at the end of time, where they change nothing
// that is checked.
//
// The search is exponential in the concurrency of one object, so use it
// through FIFOLinearizable, which bounds it.
func FIFOQueue() Model {
	step := func(st fifoState, in, out any) (bool, fifoState) {
		i, o := in.(fifoInput), out.(fifoOutput)
		if i.F == 'e' {
			next := make(fifoState, len(st)+1)
			copy(next, st)
			next[len(st)] = i.V
			return true, next
		}
		if !o.Known {
			if len(st) == 0 {
				return true, st
			}
			return true, st[1:]
		}
		if o.Empty {
			return len(st) == 0, st
		}
		if len(st) == 0 || st[0] != o.V {
			return false, st
		}
		return true, st[1:]
	}
	sp := spec[fifoState]{
		init:  func() fifoState { return nil },
		step:  step,
		equal: func(a, b fifoState) bool { return slices.Equal(a, b) },
		hash: func(s fifoState) uint64 {
			h := uint64(14695981039346656037)
			for _, v := range s {
				h ^= uint64(v)
				h *= 1099511628211
			}
			return h ^ uint64(len(s))
		},
	}
	return Model{
		Name:   "queue",
		Fs:     []string{"enqueue", "dequeue"},
		search: sp.search,
		Porcupine: sp.fill(porcupine.Model{
			Partition: partitionByKey(func(any) string { return "" }),
			DescribeOperation: func(in, out any) string {
				i, o := in.(fifoInput), out.(fifoOutput)
				if i.F == 'e' {
					res := "?"
					if o.Known {
						res = "ok"
					}
					return fmt.Sprintf("enqueue(%d) -> %s", i.V, res)
				}
				switch {
				case !o.Known:
					return "dequeue() -> ?"
				case o.Empty:
					return "dequeue() -> empty"
				}
				return fmt.Sprintf("dequeue() -> %d", o.V)
			},
			DescribeState: func(s any) string {
				st := s.(fifoState)
				parts := make([]string, 0, min(len(st), 11))
				for i, v := range st {
					if i == 10 {
						parts = append(parts, fmt.Sprintf("... %d more", len(st)-10))
						break
					}
					parts = append(parts, strconv.FormatInt(v, 10))
				}
				return "[" + strings.Join(parts, " ") + "]"
			},
			DescribeOperationMetadata: describeMeta,
		}),
		encode: encodeFIFO,
	}
}

func encodeFIFO(inv history.Op, comp *history.Op) (any, any, bool, error) {
	typ := history.Info
	if comp != nil {
		typ = comp.Type
	}
	if typ == history.Fail {
		return nil, nil, false, nil // did not happen
	}
	known := typ == history.OK
	switch inv.F {
	case "enqueue":
		var v int64
		if err := json.Unmarshal(inv.Value, &v); err != nil {
			return nil, nil, false, fmt.Errorf("enqueue argument %s is not an int", inv.Value)
		}
		return fifoInput{F: 'e', V: v}, fifoOutput{Known: known}, true, nil
	case "dequeue":
		out := fifoOutput{Known: known}
		if known {
			if len(comp.Value) == 0 || string(comp.Value) == "null" {
				out.Empty = true
			} else if err := json.Unmarshal(comp.Value, &out.V); err != nil {
				return nil, nil, false, fmt.Errorf("dequeue result %s is not an int or null", comp.Value)
			}
		}
		return fifoInput{F: 'd'}, out, true, nil
	case outcomeF:
		// A later report of an indeterminate dequeue's outcome, read by
		// TotalQueue; here the dequeue stays indeterminate, which is sound.
		return nil, nil, false, nil
	}
	return nil, nil, false, fmt.Errorf("f %q is not enqueue or dequeue", inv.F)
}

// DefaultFIFOMaxOps is FIFOLinearizable's bound when MaxOps is 0. The
// search is exponential in the ops in flight at once: 300 ops of a run
// with concurrency 10 under faults took over a minute; 150 stays within
// seconds.
const DefaultFIFOMaxOps = 150

// DefaultFIFOTimeout is FIFOLinearizable's search budget when Timeout is
// 0: past it the verdict is unknown, so that a run does not spend minutes
// on a check that total-queue covers anyway.
const DefaultFIFOTimeout = 20 * time.Second

// FIFOLinearizable checks a queue history for linearizability against
// FIFOQueue, bounded: of a history with more than MaxOps client ops only
// a prefix is searched (ops completing after the cut count as open), and a
// search that outlives Timeout stops; never a hang and never a false
// valid. The search is exponential in the enqueues in flight at once (their
// order is known only when they are dequeued), so it deepens: it checks
// the first fifoFirstPrefix ops, then twice as many, up to MaxOps, each
// within what is left of Timeout. An invalid prefix makes the verdict
// invalid; otherwise the longest prefix found linearizable makes it valid
// (the summary says how far it got); unknown only when not even the first
// prefix could be decided.
type FIFOLinearizable struct {
	// MaxOps bounds the ops searched; 0 means DefaultFIFOMaxOps.
	MaxOps int
	// Timeout bounds the whole search; 0 means DefaultFIFOTimeout.
	Timeout time.Duration
}

// fifoFirstPrefix is the first prefix FIFOLinearizable searches.
const fifoFirstPrefix = 25

// Name is "linearizable".
func (f FIFOLinearizable) Name() string { return "linearizable" }

// Check implements Checker; its details are Linearizable's plus max_ops,
// searched_ops, prefix_only and unseen_indeterminate_enqueues.
func (f FIFOLinearizable) Check(ctx context.Context, h history.History) Result {
	m := FIFOQueue()
	prep, err := m.prepare(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	maxOps := f.MaxOps
	if maxOps <= 0 {
		maxOps = DefaultFIFOMaxOps
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFIFOTimeout
	}
	deadline := time.Now().Add(timeout)
	total := len(prep.keys[""])
	var best *Result // the longest prefix found linearizable
	for size := min(fifoFirstPrefix, maxOps); ; size = min(2*size, maxOps) {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		r := checkFIFOPrefix(ctx, m, h, size, total, left)
		if r.Verdict != Valid {
			if r.Verdict == Invalid || best == nil {
				return r
			}
			best.Summary += fmt.Sprintf(" (a longer prefix of %d ops could not be decided within %s)", size, timeout)
			break
		}
		best = &r
		if size >= maxOps || size >= total {
			break
		}
	}
	if best == nil {
		return Result{Verdict: Unknown, Summary: fmt.Sprintf("no time left to check (%s)", timeout)}
	}
	return *best
}

// checkFIFOPrefix checks the longest prefix of h with maxOps client
// invocations (the whole history when it has no more), within timeout.
func checkFIFOPrefix(ctx context.Context, m Model, h history.History, maxOps, total int, timeout time.Duration) Result {
	prep, err := m.prepare(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	prefix := false
	if total > maxOps {
		// Check a prefix of the history with at most maxOps client
		// invocations. A prefix is a history too: an op whose completion
		// falls after the cut is open (it may or may not have happened),
		// so an anomaly in the prefix is an anomaly of the whole run, and
		// a valid prefix says exactly that much. Open ops are what make
		// the search explode, so the cut goes where the fewest ops are in
		// flight, among the prefixes with 3/4 maxOps to maxOps invocations
		// (the longest of those on a tie).
		cut, invokes, best := len(h), 0, -1
		inFlight := map[history.Process]bool{}
		for i, op := range h {
			if op.IsNemesis() || (op.F != "enqueue" && op.F != "dequeue") {
				continue
			}
			if op.Type == history.Invoke {
				// h[:i] is a candidate prefix.
				if invokes >= maxOps*3/4 && (best < 0 || len(inFlight) <= best) {
					cut, best = i, len(inFlight)
				}
				invokes++
				if invokes > maxOps {
					break
				}
				inFlight[op.Process] = true
				continue
			}
			delete(inFlight, op.Process)
		}
		if prep, err = m.prepare(h[:cut]); err != nil {
			return Result{Verdict: Unknown, Summary: err.Error()}
		}
		prefix = true
	}
	searched := len(prep.keys[""])
	dropped := dropUnseenEnqueues(prep)
	r := Linearizable{Model: m, Timeout: timeout}.check(ctx, prep)
	if r.Details != nil {
		r.Details["max_ops"] = maxOps
		r.Details["searched_ops"] = searched
		r.Details["prefix_only"] = prefix
		r.Details["unseen_indeterminate_enqueues"] = dropped
	}
	if prefix {
		r.Summary = fmt.Sprintf("first %d of %d queue ops checked (the FIFO search is exponential in concurrency; total-queue covers the whole run): %s", searched, total, r.Summary)
	}
	return r
}

// dropUnseenEnqueues removes from prep the indeterminate enqueues (info, or
// open, also those open because of a prefix cut) whose value no ok dequeue
// returned, and says how many it removed. This changes no verdict and
// prunes the search, where every such enqueue could otherwise be placed
// anywhere after its call:
//   - if the history is linearizable without them, it is with them: put
//     them at the end of time, where they change nothing that is checked;
//   - if a linearization places one, E(v), earlier, then v is never
//     returned by an ok dequeue, so it leaves the queue (if ever) through
//     an indeterminate dequeue D, and while v is in the queue no ok
//     dequeue reaches it or what is behind it, nor finds the queue empty.
//     Moving E(v) and D to the end of time leaves every other op's state
//     as it was: the history is linearizable without E(v).
func dropUnseenEnqueues(prep *prepared) int {
	ops := prep.keys[""]
	seen := map[int64]bool{}
	for _, op := range ops {
		if i, o := op.Input.(fifoInput), op.Output.(fifoOutput); i.F == 'd' && o.Known && !o.Empty {
			seen[o.V] = true
		}
	}
	kept := ops[:0]
	for _, op := range ops {
		if i, o := op.Input.(fifoInput), op.Output.(fifoOutput); i.F == 'e' && !o.Known && !seen[i.V] {
			continue
		}
		kept = append(kept, op)
	}
	dropped := len(ops) - len(kept)
	clear(ops[len(kept):])
	if len(kept) == 0 {
		delete(prep.keys, "")
	} else {
		prep.keys[""] = kept
	}
	return dropped
}
