package queue

import (
	"encoding/json"
	"sync"

	"github.com/faultline/faultline/api"
)

// OutcomeF is the f of the ops the drain records for the outcome of an
// indeterminate dequeue.
const OutcomeF = "dequeue-outcome"

// Resolver is the optional API of a queue whose dequeues carry a
// client-chosen request id and can be asked afterwards what a dequeue did.
// A client whose API implements it sends every dequeue's id; the drain
// asks for the outcome of every dequeue that ended indeterminate.
type Resolver = api.QueueResolver

// DequeueArg is the invoke value of a dequeue: its request id.
type DequeueArg struct {
	ID string `json:"id"`
}

// Outcome is the value of a dequeue-outcome op (on invoke only ID is
// set): the dequeue with request id ID was Applied, removing Value, or
// finding the queue Empty; or it was not applied and never will be.
type Outcome struct {
	ID      string `json:"id"`
	Applied bool   `json:"applied"`
	Value   *int64 `json:"value"`
	Empty   bool   `json:"empty"`
}

// dequeueID returns the request id in a dequeue's invoke value, or "".
func dequeueID(v json.RawMessage) string {
	var a DequeueArg
	if len(v) == 0 || json.Unmarshal(v, &a) != nil {
		return ""
	}
	return a.ID
}

// Unresolved collects the request ids of dequeues whose outcome their
// client never learned (they ended info), for the drain to ask about.
// Safe for concurrent use; the zero value is not usable, use
// NewUnresolved.
type Unresolved struct {
	mu   sync.Mutex
	ids  []string
	seen map[string]bool
}

// NewUnresolved returns an empty set.
func NewUnresolved() *Unresolved { return &Unresolved{seen: map[string]bool{}} }

// Add records id (once; "" is ignored).
func (u *Unresolved) Add(id string) {
	if u == nil || id == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.seen[id] {
		u.seen[id] = true
		u.ids = append(u.ids, id)
	}
}

// IDs returns the ids in the order they were added.
func (u *Unresolved) IDs() []string {
	if u == nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.ids...)
}
