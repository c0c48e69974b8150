package queue

import "fmt"

// Mode picks the queue's acknowledgement discipline.
type Mode string

const (
	// ModePaxos acknowledges an enqueue or dequeue only once its slot is
	// decided by a quorum of durable acceptors and applied.
	ModePaxos Mode = "paxos"
	// ModeAsyncAck acknowledges an enqueue as soon as the receiving node has
	// buffered it in memory and proposes the buffer later in batches: a node
	// killed in between loses acknowledged messages. It exists to be caught.
	ModeAsyncAck Mode = "async-ack"
)

// ParseMode accepts "paxos" (also the empty string) and "async-ack".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", string(ModePaxos):
		return ModePaxos, nil
	case string(ModeAsyncAck):
		return ModeAsyncAck, nil
	}
	return "", fmt.Errorf("queue: unknown mode %q (want paxos or async-ack)", s)
}
