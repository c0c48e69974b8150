package queue

import (
	"encoding/json"
	"fmt"
	"maps"
)

// Command kinds inside a batch.
const (
	cmdEnqueue = "e"
	cmdDequeue = "d"
	cmdOutcome = "o"
)

// command is one client request inside a batch.
type command struct {
	Op    string `json:"op"`          // "e" enqueue, "d" dequeue, "o" outcome
	Value int64  `json:"v,omitempty"` // enqueue: the element
	// ID is a dequeue's client-chosen request id ("" for none): its
	// outcome is recorded under it (see DequeueRecord).
	ID string `json:"id,omitempty"`
	// IDs are the dequeue ids an outcome command asks about.
	IDs []string `json:"ids,omitempty"`
}

// batch is the value of one slot: the commands of one proposer, applied in
// order. (Node, Pos) is unique, so a proposer can tell its own batch from
// another's, and a node's batches are decided in Pos order, so a batch at
// or below the last applied Pos of its node is a duplicate.
type batch struct {
	Node string    `json:"node"`
	Pos  BatchPos  `json:"pos"`
	Cmds []command `json:"cmds"`
}

func encodeBatch(b batch) []byte {
	data, err := json.Marshal(b)
	if err != nil {
		panic("queue: encode batch: " + err.Error()) // plain structs cannot fail
	}
	return data
}

func decodeBatch(v []byte) (batch, error) {
	var b batch
	if err := json.Unmarshal(v, &b); err != nil {
		return b, fmt.Errorf("queue: decided value %q is not a batch: %w", v, err)
	}
	return b, nil
}

// result is a command's outcome once its slot is applied.
type result struct {
	Value int64
	Empty bool // a dequeue that found the queue empty
	// Fenced: a dequeue whose id an earlier outcome command declared not
	// applied; it did nothing.
	Fenced bool
	// Outcomes answer an outcome command, one per asked id.
	Outcomes []Outcome
}

// fifo is the replicated state machine: a FIFO queue of int64 elements,
// stored as a slice with a moving head so that dequeues are O(1) and the
// backing array is reclaimed as it drains, plus the recorded outcome of
// every dequeue that carried an id.
type fifo struct {
	items []int64
	head  int
	// outcomes maps a dequeue id to what its dequeue did, or to a fence
	// when an outcome command asked about it before any dequeue with it
	// was applied.
	// Invariant: an id's record never changes once written, so an answer
	// read from it is final.
	outcomes map[string]DequeueRecord
}

func newFIFO(items []int64, outcomes map[string]DequeueRecord) *fifo {
	q := &fifo{items: append([]int64(nil), items...), outcomes: maps.Clone(outcomes)}
	if q.outcomes == nil {
		q.outcomes = map[string]DequeueRecord{}
	}
	return q
}

func (q *fifo) Len() int { return len(q.items) - q.head }

// apply runs b's commands in order and returns their results.
func (q *fifo) apply(b batch) []result {
	out := make([]result, len(b.Cmds))
	for i, c := range b.Cmds {
		switch c.Op {
		case cmdEnqueue:
			q.items = append(q.items, c.Value)
			out[i] = result{Value: c.Value}
		case cmdDequeue:
			out[i] = q.dequeue(c.ID)
		case cmdOutcome:
			out[i] = result{Outcomes: q.resolve(c.IDs)}
		}
	}
	if q.Len() == 0 {
		q.items, q.head = nil, 0
	}
	return out
}

// dequeue removes the head, recording the outcome under id. A dequeue
// whose id already has a record changes nothing: it answers the recorded
// outcome (a retried request), or Fenced.
func (q *fifo) dequeue(id string) result {
	if id != "" {
		if rec, ok := q.outcomes[id]; ok {
			return rec.result()
		}
	}
	var r result
	if q.Len() == 0 {
		r = result{Empty: true}
	} else {
		r = result{Value: q.items[q.head]}
		q.head++
		if q.head > 1024 && q.head*2 > len(q.items) {
			q.items = append([]int64(nil), q.items[q.head:]...)
			q.head = 0
		}
	}
	if id != "" {
		q.outcomes[id] = DequeueRecord{Value: r.Value, Empty: r.Empty}
	}
	return r
}

// resolve answers an outcome command: each id's recorded outcome, and for
// an id with none a fence, so that "not applied" stays true for ever.
func (q *fifo) resolve(ids []string) []Outcome {
	out := make([]Outcome, len(ids))
	for i, id := range ids {
		rec, ok := q.outcomes[id]
		if !ok {
			rec = DequeueRecord{Fenced: true}
			q.outcomes[id] = rec
		}
		out[i] = rec.outcome(id)
	}
	return out
}

// lookup returns the outcome recorded for id, if any.
func (q *fifo) lookup(id string) (DequeueRecord, bool) {
	rec, ok := q.outcomes[id]
	return rec, ok
}

// Elements returns a copy of the queue's contents, head first.
func (q *fifo) Elements() []int64 { return append([]int64{}, q.items[q.head:]...) }

// Outcomes returns a copy of the recorded dequeue outcomes.
func (q *fifo) Outcomes() map[string]DequeueRecord {
	if len(q.outcomes) == 0 {
		return nil
	}
	return maps.Clone(q.outcomes)
}
