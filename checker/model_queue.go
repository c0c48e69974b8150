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
	step := func(s, in, out any) (bool, any) {
		st, i, o := s.(fifoState), in.(fifoInput), out.(fifoOutput)
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
	return Model{
		Name: "queue",
		Fs:   []string{"enqueue", "dequeue"},
		Porcupine: porcupine.Model{
			Partition:   partitionByKey(func(any) string { return "" }),
			Init:        func() any { return fifoState(nil) },
			Step:        step,
			StepContext: stepContext(step),
			Equal:       func(a, b any) bool { return slices.Equal(a.(fifoState), b.(fifoState)) },
			Hash: func(s any) uint64 {
				h := uint64(14695981039346656037)
				for _, v := range s.(fifoState) {
					h ^= uint64(v)
					h *= 1099511628211
				}
				return h ^ uint64(len(s.(fifoState)))
			},
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
		},
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
	}
	return nil, nil, false, fmt.Errorf("f %q is not enqueue or dequeue", inv.F)
}

// DefaultFIFOMaxOps is FIFOLinearizable's bound when MaxOps is 0.
const DefaultFIFOMaxOps = 300

// FIFOLinearizable checks a queue history for linearizability against
// FIFOQueue, bounded: of a history with more than MaxOps client ops only
// the prefix with the first MaxOps invocations is searched (ops completing
// after the cut count as open), and a search that outlives Timeout stops
// with unknown; never a hang and never a false valid. The summary says
// when only a prefix was checked.
type FIFOLinearizable struct {
	// MaxOps bounds the ops searched; 0 means DefaultFIFOMaxOps.
	MaxOps int
	// Timeout bounds the search; 0 means 10s.
	Timeout time.Duration
}

// Name is "linearizable".
func (f FIFOLinearizable) Name() string { return "linearizable" }

// Check implements Checker; its details are Linearizable's plus max_ops.
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
	total := len(prep.keys[""])
	prefix := false
	if total > maxOps {
		// Check the longest prefix of the history with maxOps client
		// invocations. A prefix is a history too: an op whose completion
		// falls after the cut is open (it may or may not have happened),
		// so an anomaly in the prefix is an anomaly of the whole run, and
		// a valid prefix says exactly that much.
		cut, invokes := len(h), 0
		for i, op := range h {
			if !op.IsNemesis() && op.Type == history.Invoke && (op.F == "enqueue" || op.F == "dequeue") {
				invokes++
				if invokes > maxOps {
					cut = i
					break
				}
			}
		}
		if prep, err = m.prepare(h[:cut]); err != nil {
			return Result{Verdict: Unknown, Summary: err.Error()}
		}
		prefix = true
	}
	n := len(prep.keys[""])
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	r := Linearizable{Model: m, Timeout: timeout}.check(ctx, prep)
	if r.Details != nil {
		r.Details["max_ops"] = maxOps
		r.Details["searched_ops"] = n
		r.Details["prefix_only"] = prefix
	}
	if prefix {
		r.Summary = fmt.Sprintf("first %d of %d queue ops checked (the FIFO search is exponential in concurrency; total-queue covers the whole run): %s", n, total, r.Summary)
	}
	return r
}
