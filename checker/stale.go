package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/faultline/faultline/history"
)

// StaleReads counts, in a keyed read/write/cas history with unique values
// per key (the kv and register workloads), the reads that returned a value
// already superseded when the read began: the read saw the value of write
// w (or the initial nil), and another write w2 both began after w was
// acknowledged and was itself acknowledged before the read began. Only
// acknowledged ops are used (w2 must certainly have happened, after w);
// a read of a value whose write is info or never attempted is skipped.
// A cas that succeeded counts as a write of its new value.
//
// It is informational by default: a stale read is a linearizability
// violation that Linearizable already judges, and in the weaker kv modes
// (quorum, one, all) stale reads are expected; the count is what a
// comparison across modes wants. Valid whatever the count, unless Strict,
// which makes any stale read invalid. Unknown when no read succeeded.
type StaleReads struct {
	// Strict makes a stale read invalid instead of informational.
	Strict bool
}

// Name is "stale-reads".
func (StaleReads) Name() string { return "stale-reads" }

// staleWrite is one acknowledged write or cas of a key.
type staleWrite struct {
	value            string // canonical JSON of the written value
	invoke, complete int64
	index            int64
}

type staleReadOp struct {
	value            string
	invoke, complete int64
	index            int64
}

// StaleRead is one stale read, as reported in Details["examples"].
type StaleRead struct {
	Key          string `json:"key"`
	Index        int64  `json:"index"`         // the read's invoke index
	Value        string `json:"value"`         // what it returned
	Superseded   string `json:"superseded_by"` // a value acknowledged, after that one, before the read began
	SupersededAt int64  `json:"superseded_index"`
}

// staleInput is the history reduced to what the count needs, per key.
type staleInput struct {
	writes map[string][]staleWrite
	reads  map[string][]staleReadOp
}

func canonInt(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "null", true
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false
	}
	return fmt.Sprint(n), true
}

func staleHistory(h history.History) (staleInput, error) {
	in := staleInput{writes: map[string][]staleWrite{}, reads: map[string][]staleReadOp{}}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() {
			continue
		}
		var v string
		var ok bool
		switch inv.F {
		case "read":
			if p.Type() != history.OK {
				continue
			}
			if v, ok = canonInt(p.Completion.Value); !ok {
				return in, fmt.Errorf("%w: checker: read %d returned %s, not an int or null", ErrBadInput, p.Completion.Index, p.Completion.Value)
			}
			in.reads[inv.Key] = append(in.reads[inv.Key], staleReadOp{value: v, invoke: inv.Time, complete: p.Completion.Time, index: inv.Index})
			continue
		case "write":
			v, ok = canonInt(inv.Value)
		case "cas":
			var pair []json.RawMessage
			if json.Unmarshal(inv.Value, &pair) == nil && len(pair) == 2 {
				v, ok = canonInt(pair[1])
			}
		default:
			continue
		}
		if !ok || v == "null" {
			return in, fmt.Errorf("%w: checker: %s %d argument %s is not an int (or [old,new])", ErrBadInput, inv.F, inv.Index, inv.Value)
		}
		if p.Type() == history.OK {
			in.writes[inv.Key] = append(in.writes[inv.Key], staleWrite{value: v, invoke: inv.Time, complete: p.Completion.Time, index: inv.Index})
		}
	}
	return in, nil
}

// staleCount returns the stale reads of one key: writes sorted by
// completion, with a running maximum of invoke times, answer "did some
// write acknowledged before t begin after c?" by binary search.
func staleCount(key string, writes []staleWrite, reads []staleReadOp) (stale []StaleRead, skipped int) {
	ws := slices.Clone(writes)
	sort.Slice(ws, func(i, j int) bool { return ws[i].complete < ws[j].complete })
	latest := make([]int, len(ws)) // index into ws of the max-invoke write among ws[:i+1]
	for i := range ws {
		latest[i] = i
		if i > 0 && ws[latest[i-1]].invoke >= ws[i].invoke {
			latest[i] = latest[i-1]
		}
	}
	byValue := map[string]staleWrite{}
	for _, w := range ws {
		byValue[w.value] = w
	}
	for _, r := range reads {
		var seenDone int64 // when the write the read saw was acknowledged
		if r.value == "null" {
			seenDone = -1 << 62
		} else if w, ok := byValue[r.value]; ok {
			seenDone = w.complete
		} else {
			skipped++
			continue
		}
		n := sort.Search(len(ws), func(i int) bool { return ws[i].complete >= r.invoke }) // ws[:n] done before the read began
		if n == 0 {
			continue
		}
		if w := ws[latest[n-1]]; w.invoke > seenDone {
			stale = append(stale, StaleRead{Key: key, Index: r.index, Value: r.value, Superseded: w.value, SupersededAt: w.index})
		}
	}
	return stale, skipped
}

// Check counts the stale reads of h.
func (s StaleReads) Check(ctx context.Context, h history.History) Result {
	in, err := staleHistory(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	var (
		all             []StaleRead
		nReads, skipped int
		staleByKey      = map[string]int{}
	)
	for _, key := range slices.Sorted(maps.Keys(in.reads)) {
		if err := ctx.Err(); err != nil {
			return Result{Verdict: Unknown, Summary: "checker: stale-reads: " + err.Error()}
		}
		nReads += len(in.reads[key])
		st, sk := staleCount(key, in.writes[key], in.reads[key])
		skipped += sk
		if len(st) > 0 {
			staleByKey[key] = len(st)
		}
		all = append(all, st...)
	}
	if nReads == 0 {
		return Result{Verdict: Unknown, Summary: "no successful reads: stale reads cannot be counted"}
	}
	examples := all[:min(len(all), maxExamples)]
	details := map[string]any{
		"stale_reads": len(all),
		"reads":       nReads,
		"skipped":     skipped, // reads of a value whose write was not acknowledged
		"by_key":      staleByKey,
		"examples":    examples,
		"strict":      s.Strict,
		"stale_ratio": float64(len(all)) / float64(nReads),
	}
	an := Anomalies{AnomalyStaleRead: len(all)}
	summary := fmt.Sprintf("%d of %d reads were stale", len(all), nReads)
	if len(all) > 0 {
		e := all[0]
		summary += fmt.Sprintf(" (first: read %d of %q returned %s after %s was acknowledged)", e.Index, e.Key, e.Value, e.Superseded)
	}
	if s.Strict && len(all) > 0 {
		return Result{Verdict: Invalid, Summary: summary, Details: details, Anomalies: an, Informational: !s.Strict}
	}
	if !s.Strict {
		summary += " (informational)"
	}
	return Result{Verdict: Valid, Summary: summary, Details: details, Anomalies: an, Informational: !s.Strict}
}
