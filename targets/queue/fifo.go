package queue

import (
	"encoding/json"
	"fmt"
)

// Command kinds inside a batch.
const (
	cmdEnqueue = "e"
	cmdDequeue = "d"
)

// command is one client request inside a batch.
type command struct {
	Op    string `json:"op"`          // "e" enqueue, "d" dequeue
	Value int64  `json:"v,omitempty"` // enqueue: the element
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
}

// fifo is the replicated state machine: a FIFO queue of int64 elements,
// stored as a slice with a moving head so that dequeues are O(1) and the
// backing array is reclaimed as it drains.
type fifo struct {
	items []int64
	head  int
}

func newFIFO(items []int64) *fifo { return &fifo{items: append([]int64(nil), items...)} }

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
			if q.Len() == 0 {
				out[i] = result{Empty: true}
				continue
			}
			out[i] = result{Value: q.items[q.head]}
			q.head++
			if q.head > 1024 && q.head*2 > len(q.items) {
				q.items = append([]int64(nil), q.items[q.head:]...)
				q.head = 0
			}
		}
	}
	if q.Len() == 0 {
		q.items, q.head = nil, 0
	}
	return out
}

// Elements returns a copy of the queue's contents, head first.
func (q *fifo) Elements() []int64 { return append([]int64{}, q.items[q.head:]...) }
