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
	Known bool  // the op completed ok; otherwise info or open
	Empty bool  // dequeue found the queue empty
	V     int64 // what the dequeue removed
}

// fifoState is the queue's contents, head first. Steps never modify a
// state in place.
type fifoState []int64

// FIFOQueue is the model of one FIFO queue of ints (no keys: the whole
// history is one object): enqueue (invoke value: the int) and dequeue (ok
// value: the element removed, or null when the queue was empty; the
// drain's dequeue-outcome records of indeterminate dequeues go with it).
//
// Its checker is FIFO: Linearizable and AnalyzeFile hand a queue history
// to it, which checks the whole history by the FIFO violation patterns in
// O(n log n) when the enqueued values are unique. Porcupine's search with
// this model (exponential in the ops in flight at once) is kept for what
// needs a linearization: the timeline (capped at DefaultFIFOMaxOps ops),
// and FIFO's fallback when values repeat. There fails are dropped; an info
// or open enqueue appends at its linearization point, an info or open
// dequeue removes the head (if any) at its linearization point, and both
// may be linearized at the end of time, where they change nothing that is
// checked.
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
			if len(st) > 0 {
				return true, st[1:]
			}
			return true, st
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
		init:  func() fifoState { return fifoState{} },
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
		Doc:    "FIFO enqueue/dequeue, linearizability of the whole history (violation patterns, O(n log n) for unique values)",
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
		check: func(ctx context.Context, h history.History, l Linearizable) (Result, error) {
			return FIFO{Timeout: l.Timeout, MinOK: l.MinOK}.check(ctx, h)
		},
		timelineOps:  DefaultFIFOMaxOps,
		timelineTime: DefaultFIFOTimeout,
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

// DefaultFIFOMaxOps caps the queue's timeline: porcupine's search of the
// FIFO model is exponential in the ops in flight at once (300 ops of a run
// with concurrency 10 under faults took over a minute; 150 stays within
// seconds), so a longer queue history is left out of the timeline. The
// verdict does not depend on it: FIFO checks the whole history.
const DefaultFIFOMaxOps = 150

// DefaultFIFOTimeout bounds the queue timeline's search, and FIFO's
// searches when FIFO.Timeout is 0.
const DefaultFIFOTimeout = 20 * time.Second

// dropUnseenEnqueues removes from prep the indeterminate enqueues (info,
// open) whose value no Known dequeue returned, and says how many it
// removed. This changes no verdict and
// prunes the search, where every such enqueue could otherwise be placed
// anywhere after its call:
//   - if the history is linearizable without them, it is with them: put
//     them at the end of time, where they change nothing that is checked;
//   - if a linearization places one, E(v), earlier, then v is never
//     returned by a Known dequeue, so it leaves the queue (if ever) through
//     an indeterminate dequeue D, and while v is in the queue no dequeue
//     with a definite output reaches it or what is behind it, nor finds
//     the queue empty.
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
