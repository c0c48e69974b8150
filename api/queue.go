package api

import "context"

// Queue is a FIFO queue of int64, for the queue workload.
type Queue interface {
	Enqueue(ctx context.Context, v int64) error
	// Dequeue removes the head: its value, or empty=true.
	Dequeue(ctx context.Context) (v int64, empty bool, err error)
}

// QueueResolver is the optional part of a Queue whose dequeues carry a
// client-chosen request id and can be asked afterwards what a dequeue did.
// A client whose Queue implements it sends every dequeue's id; the drain
// asks for the outcome of every dequeue that ended indeterminate.
type QueueResolver interface {
	// DequeueID is Dequeue carrying the request id.
	DequeueID(ctx context.Context, id string) (v int64, empty bool, err error)
	// DequeueOutcome tells what the dequeue with id did: applied (removing
	// v, or finding the queue empty), or not applied. "Not applied" must
	// be final: no dequeue with that id may take effect afterwards.
	DequeueOutcome(ctx context.Context, id string) (applied bool, v int64, empty bool, err error)
}

// QueueClients is implemented by deployments that serve the queue
// workload.
type QueueClients interface {
	QueueClient(node string) (Queue, error)
}
