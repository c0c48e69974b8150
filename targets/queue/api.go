package queue

import "github.com/faultline/faultline/targets/nodeserver"

// The HTTP/JSON API, one port per node.
//
// Client API:
//
//	POST /queue/enqueue  {"value": int} -> 200 {}
//	POST /queue/dequeue  [{"id": "d-7"}] -> 200 {"value": int} | 200 {"empty": true}
//	POST /queue/outcome  {"ids": ["d-7", ...]}
//	                     -> 200 {"outcomes": [{"id", "applied", "value", "empty"}, ...]}
//	GET  /health  -> 200 {"node": "n1", "role": "queue", "mode": "paxos", "epoch": 3}
//	GET  /stats   -> 200 {"applied_slot", "log_len", "queue_len", "rss_bytes", ...}
//	GET  /clock   -> 200 {"node", "time_ns", "offset_ns"}
//
// A dequeue's optional id names the request: its outcome is recorded when
// it is applied, and /queue/outcome tells it later, definitely (see
// outcome.go); a dequeue whose id was already declared not applied fails
// with 409 (definite) and changes nothing.
//
// Failures carry {"error": "...", "definite": bool}:
//
//	400 definite      a malformed request
//	409 definite      a dequeue whose id was already declared not applied
//	503 definite      the command was never proposed (no quorum in time)
//	500 indeterminate the command was proposed but its slot was not decided
//	                  in time: it may still take effect
//
// Peer API (internal, between nodes):
//
//	POST /peer/prepare  SlotPrepare -> SlotReply
//	POST /peer/accept   SlotAccept  -> SlotReply
//	POST /peer/learn    Learn       -> {}
//	GET  /peer/catchup?from=N       -> CatchUp
const (
	PathEnqueue = "/queue/enqueue"
	PathDequeue = "/queue/dequeue"
	PathOutcome = "/queue/outcome"
	PathHealth  = "/health"
	PathStats   = "/stats"
	PathClock   = "/clock"
	PathPrepare = nodeserver.PathPrepare
	PathAccept  = nodeserver.PathAccept
	PathLearn   = "/peer/learn"
	PathCatchUp = "/peer/catchup"
)

// maxBody bounds one HTTP body read (a request or a reply).
const maxBody = 64 << 20

// EnqueueBody is the body of an enqueue request.
type EnqueueBody struct {
	Value *int64 `json:"value"`
}

// DequeueRequest is the (optional) body of a dequeue request.
type DequeueRequest struct {
	// ID is the client's request id; "" records nothing.
	ID string `json:"id,omitempty"`
}

// DequeueBody is the body of a dequeue reply: the element removed, or
// Empty.
type DequeueBody struct {
	Value *int64 `json:"value,omitempty"`
	Empty bool   `json:"empty,omitempty"`
}

// ErrorBody is the body of every failed reply.
type ErrorBody = nodeserver.ErrorBody

// Health is the body of GET /health.
type Health struct {
	Node  string `json:"node"`
	Role  string `json:"role"`
	Mode  Mode   `json:"mode"`
	Epoch uint64 `json:"epoch"`
}

// Stats is the body of GET /stats: what a harness records to show that a
// long run keeps the node bounded.
type Stats struct {
	Node string `json:"node"`
	// AppliedSlot is the highest slot applied to the queue.
	AppliedSlot uint64 `json:"applied_slot"`
	// LogLen is the number of slots held in memory (decided values kept
	// for lagging peers, acceptor states of open slots).
	LogLen int `json:"log_len"`
	// LogBytes is the size of the on-disk log.
	LogBytes int64 `json:"log_bytes"`
	// QueueLen is the number of elements in the queue.
	QueueLen int `json:"queue_len"`
	// Buffered is the number of async-ack enqueues acknowledged but not
	// yet proposed (always 0 in paxos mode).
	Buffered int `json:"buffered"`
	// RSSBytes is the process's resident set size (0 where unknown).
	RSSBytes int64 `json:"rss_bytes"`
	// Compactions counts log rewrites since start.
	Compactions int `json:"compactions"`
	// Outcomes is the number of dequeue ids with a recorded outcome (they
	// are kept for the whole run, in every snapshot).
	Outcomes int `json:"outcomes"`
}

// Clock is the body of GET /clock.
type Clock struct {
	Node     string `json:"node"`
	TimeNs   int64  `json:"time_ns"`
	OffsetNs int64  `json:"offset_ns"`
}
