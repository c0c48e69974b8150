package queue

import "github.com/faultline/faultline/targets/paxos"

// SlotPrepare is phase 1a for one slot of the log.
type SlotPrepare struct {
	Slot   uint64       `json:"slot"`
	Ballot paxos.Ballot `json:"ballot"`
}

// SlotAccept is phase 2a for one slot of the log.
type SlotAccept struct {
	Slot   uint64       `json:"slot"`
	Ballot paxos.Ballot `json:"ballot"`
	Value  []byte       `json:"value"`
}

// SlotReply is an acceptor's answer to SlotPrepare or SlotAccept. When the
// acceptor already knows the slot's decided value it sends that instead
// (Decided), and when it has compacted the slot away it says so
// (Compacted): either way the proposer stops its round and learns.
type SlotReply struct {
	Promise  paxos.Promise  `json:"promise"`
	Accepted paxos.Accepted `json:"accepted"`
	Decided  []byte         `json:"decided,omitempty"`
	// Compacted: the slot is decided but no longer in the acceptor's log;
	// the proposer must catch up (CatchUp) from Applied.
	Compacted bool `json:"compacted,omitempty"`
	// Applied is the acceptor's highest applied slot.
	Applied uint64 `json:"applied"`
}

// Learn tells a node a slot's decided value.
type Learn struct {
	Slot  uint64 `json:"slot"`
	Value []byte `json:"value"`
}

// Snapshot is the queue's state after applying every slot up to Slot.
type Snapshot struct {
	Slot  uint64  `json:"slot"`
	Queue []int64 `json:"queue"`
	// Last is each proposer node's last applied batch.
	Last map[string]BatchPos `json:"last,omitempty"`
	// Outcomes is the recorded outcome of every dequeue id.
	Outcomes map[string]DequeueRecord `json:"outcomes,omitempty"`
}

// BatchPos orders one node's batches: by boot epoch, then by sequence
// within the boot.
type BatchPos struct {
	Epoch uint64 `json:"e"`
	Seq   uint64 `json:"s"`
}

// Less reports whether p orders before o.
func (p BatchPos) Less(o BatchPos) bool {
	return p.Epoch < o.Epoch || (p.Epoch == o.Epoch && p.Seq < o.Seq)
}

// Entry is one decided slot.
type Entry struct {
	Slot  uint64 `json:"slot"`
	Value []byte `json:"value"`
}

// CatchUp is the answer to a lagging node: a snapshot when the asked-for
// slots were compacted away, then decided entries in slot order.
type CatchUp struct {
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	Entries  []Entry   `json:"entries"`
	Applied  uint64    `json:"applied"`
}
