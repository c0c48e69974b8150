package checker

import (
	"maps"
	"slices"
)

// ValueOp is one anomalous value of a queue or set check (TotalQueue, Set)
// with the ops that show it, by history index: the invoke's index, as the
// history writer numbered it. The checkers list them in Details under
// "value_ops" (at most maxListed of each kind) and count every one of each
// kind under "value_ops_total"; reports put them in a table next to the
// faults. Plain fields with JSON tags: it reads back the same from
// results.json.
type ValueOp struct {
	// Kind is the anomaly: lost, duplicated or unexpected for the queue;
	// lost, missing_at_final or unexpected for the set.
	Kind string `json:"kind"`
	// Key is the set's key; "" for the queue.
	Key   string `json:"key,omitempty"`
	Value int64  `json:"value"`
	// Write is the invoke index of the enqueue or add of the value (the
	// acknowledged one when one was); nil when no op attempted it.
	Write *int64 `json:"write,omitempty"`
	// Acked says the write completed ok: it acknowledged the value.
	Acked bool `json:"acked"`
	// Seen are the ops that returned the value: every dequeue of it (an
	// indeterminate dequeue whose outcome took it included); for the set,
	// the read that first showed it.
	Seen []int64 `json:"seen,omitempty"`
	// Missed are the ops that should have returned it and did not: for a
	// set's lost element, the first read that began after it was seen and
	// lacked it; for missing_at_final, the last round's final reads that
	// lacked it.
	Missed []int64 `json:"missed,omitempty"`
}

// valueOpList collects ValueOps, at most maxListed of each kind, counting
// them all.
type valueOpList struct {
	ops   []ValueOp
	total map[string]int
}

func (l *valueOpList) add(v ValueOp) {
	if l.total == nil {
		l.total = map[string]int{}
	}
	l.total[v.Kind]++
	if l.total[v.Kind] <= maxListed {
		l.ops = append(l.ops, v)
	}
}

// into sets the Details keys value_ops and value_ops_total.
func (l *valueOpList) into(details map[string]any) {
	ops := l.ops
	if ops == nil {
		ops = []ValueOp{}
	}
	total := map[string]int{}
	maps.Copy(total, l.total)
	details["value_ops"] = ops
	details["value_ops_total"] = total
}

func indexPtr(i int64) *int64 { return &i }

// sortedIndices is a copy of s, sorted, never nil when s is not empty.
func sortedIndices(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
