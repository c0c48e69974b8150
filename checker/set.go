package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/faultline/faultline/history"
)

// Set checks a set workload's history in the spirit of Jepsen's set-full:
// it follows every element from its add through every read of its key.
// Ops: add (invoke Value: the element) and read (ok Value: the elements);
// final reads (f final-read) give each replica's state at the end.
//
// Per element: when its add was acknowledged, when it was first seen (the
// completion of the earliest read that shows it; the longest gap between
// the two is max_visibility_lag_ms), and:
//   - lost: seen, then absent from a later read that began after the read
//     that first showed it completed (whether or not it came back);
//   - stale: absent from a read that began after its add was acknowledged
//     (and not lost: it was not yet seen);
//   - missing at the final reads: acknowledged, but absent from a replica's
//     state in the last round of final reads;
//   - unexpected: seen in a read, never added;
//   - never read: acknowledged, but no read began after the ack.
//
// Invalid: any lost, missing-at-final or unexpected element. Unknown
// otherwise when there is no successful read of any kind or no
// acknowledged add. Details hold the
// counts, up to 20 example elements per category, the number of stale
// reads (reads that missed an element acknowledged before they began), and
// value_ops: for every lost, missing-at-final and unexpected element (at
// most 100 of each kind; value_ops_total counts them all) the invoke
// indices of its add, of the read that first showed it and of the reads
// that missed it (see ValueOp).
type Set struct{}

// Name is "set".
func (Set) Name() string { return "set" }

type setRead struct {
	index            int64 // the invoke's index
	invoke, complete int64
	els              map[int64]bool
}

type setElem struct {
	acked     int64 // ok time of its add; < 0: never acknowledged
	attempted bool  // an add of it was invoked
	seen      int64 // completion of the first read showing it; < 0: never seen
	add       int64 // invoke index of its add (the acknowledged one, if any); < 0: none
	seenAt    int64 // invoke index of the first read showing it; < 0: never seen
}

// Check judges h.
func (Set) Check(ctx context.Context, h history.History) Result {
	elems := map[string]map[int64]*setElem{}
	reads := map[string][]setRead{}
	elem := func(key string, e int64) *setElem {
		if elems[key] == nil {
			elems[key] = map[int64]*setElem{}
		}
		if elems[key][e] == nil {
			elems[key][e] = &setElem{acked: -1, seen: -1, add: -1, seenAt: -1}
		}
		return elems[key][e]
	}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() {
			continue
		}
		switch inv.F {
		case "add":
			var e int64
			if err := json.Unmarshal(inv.Value, &e); err != nil {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("%v: checker: add %d: element %s is not an int", ErrBadInput, inv.Index, inv.Value)}
			}
			x := elem(inv.Key, e)
			x.attempted = true
			if x.add < 0 || p.Type() == history.OK {
				x.add = inv.Index
			}
			if p.Type() == history.OK {
				x.acked = p.Completion.Time
			}
		case "read":
			if p.Type() != history.OK {
				continue
			}
			var els []int64
			if err := json.Unmarshal(p.Completion.Value, &els); err != nil {
				return Result{Verdict: Unknown, Summary: fmt.Sprintf("%v: checker: read %d: value %s is not a list of ints", ErrBadInput, p.Completion.Index, p.Completion.Value)}
			}
			r := setRead{index: inv.Index, invoke: inv.Time, complete: p.Completion.Time, els: map[int64]bool{}}
			for _, e := range els {
				r.els[e] = true
				elem(inv.Key, e)
			}
			reads[inv.Key] = append(reads[inv.Key], r)
		}
	}
	finals, err := finalReads(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	finalAt := finalReadIndices(h)
	var finalReadsN int
	for _, rs := range finals {
		finalReadsN += len(rs)
	}
	nReads := 0
	for _, rs := range reads {
		nReads += len(rs)
	}
	if nReads == 0 && finalReadsN == 0 {
		return Result{Verdict: Unknown, Summary: "no successful reads: nothing shows which adds took effect"}
	}
	cats := map[string][]string{} // category -> "key:element" examples
	counts := map[string]int{"lost": 0, "reappeared": 0, "stale": 0, "missing_at_final": 0, "unexpected": 0, "never_read": 0, "ok": 0, "acknowledged": 0}
	note := func(cat, key string, e int64) {
		counts[cat]++
		if len(cats[cat]) < maxExamples {
			cats[cat] = append(cats[cat], fmt.Sprintf("%s:%d", key, e))
		}
	}
	var vops valueOpList
	staleReads := 0
	var maxLag int64 // the longest an acknowledged element took to show in a read
	for _, key := range slices.Sorted(maps.Keys(elems)) {
		if err := ctx.Err(); err != nil {
			return Result{Verdict: Unknown, Summary: "checker: set: " + err.Error()}
		}
		rs := reads[key]
		sort.Slice(rs, func(i, j int) bool { return rs[i].invoke < rs[j].invoke })
		// first seen
		for _, r := range rs {
			for e := range r.els {
				if x := elems[key][e]; x.seen < 0 || r.complete < x.seen {
					x.seen, x.seenAt = r.complete, r.index
				}
			}
		}
		// final state of each replica in the key's last round
		var lastRound finalRound
		lastN := -1
		if rounds := finals[key]; len(rounds) > 0 {
			lastN = slices.Max(slices.Collect(maps.Keys(rounds)))
			lastRound = rounds[lastN]
		}
		stale := make([]bool, len(rs))
		for _, e := range slices.Sorted(maps.Keys(elems[key])) {
			x := elems[key][e]
			vop := func(kind string) ValueOp {
				o := ValueOp{Kind: kind, Key: key, Value: e, Acked: x.acked >= 0}
				if x.add >= 0 {
					o.Write = indexPtr(x.add)
				}
				if x.seenAt >= 0 {
					o.Seen = []int64{x.seenAt}
				}
				return o
			}
			if !x.attempted {
				note("unexpected", key, e)
				vops.add(vop("unexpected"))
				continue
			}
			if x.acked >= 0 {
				counts["acknowledged"]++
			}
			var isLost, back, isStale, readAfter bool
			lostAt := int64(-1) // the first read that lost it
			for i, r := range rs {
				if x.acked >= 0 && r.invoke > x.acked {
					readAfter = true
				}
				if r.els[e] {
					if isLost && x.seen >= 0 && r.invoke > x.seen {
						back = true
					}
					continue
				}
				switch {
				case x.seen >= 0 && r.invoke > x.seen:
					isLost = true
					if lostAt < 0 {
						lostAt = r.index
					}
					if x.acked >= 0 && r.invoke > x.acked {
						stale[i] = true
					}
				case x.acked >= 0 && r.invoke > x.acked:
					isStale, stale[i] = true, true
				}
			}
			missing := false
			var missedAt []int64
			if x.acked >= 0 && lastRound != nil {
				for node, o := range lastRound {
					if o.ok && o.replica && !slices.Contains(o.set, e) {
						missing = true
						if i, ok := finalAt[finalReadID{key, lastN, node}]; ok {
							missedAt = append(missedAt, i)
						}
					}
				}
			}
			switch {
			case isLost:
				note("lost", key, e)
				o := vop("lost")
				o.Missed = []int64{lostAt}
				vops.add(o)
				if back {
					note("reappeared", key, e)
				}
			case isStale:
				note("stale", key, e)
			}
			if missing {
				note("missing_at_final", key, e)
				o := vop("missing_at_final")
				o.Missed = sortedIndices(missedAt)
				vops.add(o)
			}
			if x.acked >= 0 && !readAfter && lastRound == nil {
				note("never_read", key, e)
			}
			if x.acked >= 0 && !isLost && !missing {
				counts["ok"]++
			}
			if x.acked >= 0 && x.seen > x.acked {
				maxLag = max(maxLag, x.seen-x.acked)
			}
		}
		for _, s := range stale {
			if s {
				staleReads++
			}
		}
	}
	details := map[string]any{"reads": nReads, "final_reads": finalReadsN, "stale_reads": staleReads,
		"max_visibility_lag_ms": float64(maxLag) / 1e6}
	for cat, n := range counts {
		details[cat+"_count"] = n
		if cat != "ok" && cat != "acknowledged" {
			details[cat] = nonNil(cats[cat])
		}
	}
	vops.into(details)
	an := Anomalies{AnomalyStaleRead: staleReads, AnomalyLostWrite: counts["lost"] + counts["missing_at_final"]}
	var problems []string
	for _, cat := range []string{"lost", "missing_at_final", "unexpected"} {
		if counts[cat] > 0 {
			problems = append(problems, fmt.Sprintf("%d %s (e.g. %s)", counts[cat], strings.ReplaceAll(cat, "_", " "), strings.Join(cats[cat][:min(3, len(cats[cat]))], ", ")))
		}
	}
	if len(problems) > 0 {
		return Result{Verdict: Invalid, Summary: "set anomalies: " + strings.Join(problems, "; "), Details: details, Anomalies: an}
	}
	if counts["acknowledged"] == 0 {
		return Result{Verdict: Unknown, Summary: "no acknowledged add: nothing to check", Details: details, Anomalies: an}
	}
	return Result{Verdict: Valid, Summary: fmt.Sprintf("%d acknowledged elements all present; %d stale reads", counts["acknowledged"], staleReads), Details: details, Anomalies: an}
}

// finalReadID names one final read: its key, round and node.
type finalReadID struct {
	key   string
	round int
	node  string
}

// finalReadIndices maps each final read to its invoke's index (the last
// one when a node was read twice in a round, as finalReads keeps it).
// Reads whose value has no round are left out: finalReads rejects them.
func finalReadIndices(h history.History) map[finalReadID]int64 {
	out := map[finalReadID]int64{}
	for _, op := range h {
		if op.IsNemesis() || op.F != FinalRead || op.Type != history.Invoke {
			continue
		}
		var v finalValue
		if json.Unmarshal(op.Value, &v) == nil && v.Round != nil {
			out[finalReadID{op.Key, *v.Round, op.Node}] = op.Index
		}
	}
	return out
}
