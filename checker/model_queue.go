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
	// Known is, for a Maybe op, how many Known ops the checked history
	// has: once that many are linearized the op stands at the end of time.
	Known int32
}

type fifoOutput struct {
	Known bool // the op completed ok in the checked history
	// Maybe (only when !Known): the op is in flight at a prefix cut but
	// completed ok later with this output (Empty, V), so in the prefix it
	// either took effect with that output or is linearized at the end of
	// time (see checkFIFOPrefix). Neither Known nor Maybe: info or open.
	Maybe bool
	Empty bool // dequeue found the queue empty
	V     int64
}

// fifoState is the queue's contents, head first. Steps never modify a
// state in place.
type fifoState []int64

// fifoSearch is the model's state: the queue, and how many Known ops are
// linearized (which tells a Maybe op whether it stands at the end of time).
type fifoSearch struct {
	q fifoState
	// Invariant: done is the number of Known ops linearized to reach this
	// state, so it is equal wherever porcupine's cache compares states.
	done int32
}

// FIFOQueue is the model of one FIFO queue of ints (no keys: the whole
// history is one object): enqueue (invoke value: the int) and dequeue (ok
// value: the element removed, or null when the queue was empty). Fails are
// dropped; an info or open enqueue appends at its linearization point, an
// info or open dequeue removes the head (if any) at its linearization point,
// and both may be linearized at the end of time, where they change nothing
// that is checked. A Maybe op (in flight at a prefix cut, ok later) either
// has its later output or stands at the end of time.
//
// The search is exponential in the concurrency of one object, so use it
// through FIFOLinearizable, which bounds it.
func FIFOQueue() Model {
	step := func(st fifoSearch, in, out any) (bool, fifoSearch) {
		i, o := in.(fifoInput), out.(fifoOutput)
		if o.Maybe && st.done == i.Known {
			return true, st // at the end of time: changes nothing that is checked
		}
		next := fifoSearch{q: st.q, done: st.done}
		if o.Known {
			next.done++
		}
		if i.F == 'e' {
			next.q = make(fifoState, len(st.q)+1)
			copy(next.q, st.q)
			next.q[len(st.q)] = i.V
			return true, next
		}
		if !o.Known && !o.Maybe {
			if len(st.q) > 0 {
				next.q = st.q[1:]
			}
			return true, next
		}
		if o.Empty {
			return len(st.q) == 0, next
		}
		if len(st.q) == 0 || st.q[0] != o.V {
			return false, st
		}
		next.q = st.q[1:]
		return true, next
	}
	sp := spec[fifoSearch]{
		init:  func() fifoSearch { return fifoSearch{} },
		step:  step,
		equal: func(a, b fifoSearch) bool { return a.done == b.done && slices.Equal(a.q, b.q) },
		hash: func(s fifoSearch) uint64 {
			h := uint64(14695981039346656037)
			for _, v := range s.q {
				h ^= uint64(v)
				h *= 1099511628211
			}
			return h ^ uint64(len(s.q))
		},
	}
	return Model{
		Name:   "queue",
		Doc:    "FIFO enqueue/dequeue, linearizability of the whole queue (bounded)",
		Fs:     []string{"enqueue", "dequeue"},
		search: sp.search,
		Porcupine: sp.fill(porcupine.Model{
			Partition: partitionByKey(func(any) string { return "" }),
			DescribeOperation: func(in, out any) string {
				i, o := in.(fifoInput), out.(fifoOutput)
				later := ""
				if o.Maybe {
					later = " (later; in flight at the cut)"
				}
				if i.F == 'e' {
					res := "?"
					if o.Known || o.Maybe {
						res = "ok"
					}
					return fmt.Sprintf("enqueue(%d) -> %s%s", i.V, res, later)
				}
				switch {
				case !o.Known && !o.Maybe:
					return "dequeue() -> ?"
				case o.Empty:
					return "dequeue() -> empty" + later
				}
				return fmt.Sprintf("dequeue() -> %d%s", o.V, later)
			},
			DescribeState: func(s any) string {
				st := s.(fifoSearch).q
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
		encode:       encodeFIFO,
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
		r, ok := checkFIFOPrefix(ctx, m, h, size, total, left)
		if r.Verdict == Unknown && ok == 0 && size < maxOps && size < total {
			continue // nothing completed yet (every worker's first op in flight): look further
		}
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
// invocations (the whole history when it has no more), within timeout. It
// also returns how many ok client ops the prefix has.
func checkFIFOPrefix(ctx context.Context, m Model, h history.History, maxOps, total int, timeout time.Duration) (Result, int) {
	var (
		prep   *prepared
		err    error
		prefix = total > maxOps
	)
	if !prefix {
		prep, err = m.prepare(h)
	} else {
		// Check a prefix of the history with at most maxOps client
		// invocations. A prefix is a history too: an op whose completion
		// falls after the cut is in flight there, so an anomaly in the
		// prefix is an anomaly of the whole run, and a valid prefix says
		// exactly that much (see prepareFIFOPrefix for what is known of
		// the ops in flight). Ops in flight are what make the search
		// explode, so the cut goes where the fewest are, among the
		// prefixes with 3/4 maxOps to maxOps invocations (the longest of
		// those on a tie).
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
		prep, err = prepareFIFOPrefix(m, h, cut)
	}
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}, 0
	}
	searched := len(prep.keys[""])
	dropped := dropUnseenEnqueues(prep)
	countKnown(prep)
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
	return r, prep.counts.OK
}

// prepareFIFOPrefix prepares h[:cut] for the FIFO model, with what the rest
// of h says about the ops in flight at the cut. Linearizability is closed
// under prefixes in this sense: take a linearization of the whole history
// and its shortest prefix holding every op that completed before the cut;
// each op in it was invoked before the cut (an op linearized before one
// that had returned must have been invoked by then), and each has its real
// output. So an op in flight at the cut that later completed ok either took
// effect in the prefix with its later output or stands after every op of
// the prefix: it is a Maybe op, returning at the end of time. One that
// later failed did not happen and is dropped; one that ended info or never
// completed stays indeterminate. This prunes the search by far more than
// treating every op in flight as indeterminate, and it is exact.
func prepareFIFOPrefix(m Model, h history.History, cut int) (*prepared, error) {
	open := map[history.Process]int64{} // in flight at the cut: process -> invoke index
	for _, op := range h[:cut] {
		if op.IsNemesis() || (op.F != "enqueue" && op.F != "dequeue") {
			continue
		}
		if op.Type == history.Invoke {
			open[op.Process] = op.Index
		} else {
			delete(open, op.Process)
		}
	}
	withLater := slices.Clip(h[:cut])
	maybe := map[int64]bool{}
	for _, op := range h[cut:] {
		if len(open) == 0 {
			break
		}
		if _, ok := open[op.Process]; !ok || op.Type == history.Invoke || op.IsNemesis() || (op.F != "enqueue" && op.F != "dequeue") {
			continue
		}
		if op.Type == history.OK {
			maybe[open[op.Process]] = true
		}
		withLater = append(withLater, op)
		delete(open, op.Process)
	}
	prep, err := m.prepare(withLater)
	if err != nil {
		return nil, err
	}
	for _, ops := range prep.keys {
		for i := range ops {
			if om, ok := ops[i].Metadata.(*opMeta); ok && maybe[om.Index] {
				o := ops[i].Output.(fifoOutput)
				o.Known, o.Maybe = false, true
				ops[i].Output, ops[i].Return = o, prep.endOfTime
			}
		}
	}
	return prep, nil
}

// countKnown tells every Maybe op of prep how many Known ops there are
// (fifoInput.Known), so that the model can tell when it stands at the end
// of time. Call it once the ops are final.
func countKnown(prep *prepared) {
	for _, ops := range prep.keys {
		var known int32
		for _, op := range ops {
			if op.Output.(fifoOutput).Known {
				known++
			}
		}
		for i := range ops {
			if op := &ops[i]; op.Output.(fifoOutput).Maybe {
				in := op.Input.(fifoInput)
				in.Known = known
				op.Input = in
			}
		}
	}
}

// dropUnseenEnqueues removes from prep the indeterminate and Maybe enqueues
// (info, open, or in flight at a prefix cut) whose value no Known dequeue
// returned, and says how many it removed. This changes no verdict and
// prunes the search, where every such enqueue could otherwise be placed
// anywhere after its call:
//   - if the history is linearizable without them, it is with them: put
//     them at the end of time, where they change nothing that is checked;
//   - if a linearization places one, E(v), earlier, then v is never
//     returned by a Known dequeue, so it leaves the queue (if ever) through
//     an indeterminate or Maybe dequeue D, and while v is in the queue no
//     dequeue with a definite output (Known, or Maybe before the end)
//     reaches it or what is behind it, nor finds the queue empty.
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
