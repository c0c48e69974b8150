package queue

import (
	"fmt"
	"net/http"

	"github.com/faultline/faultline/targets/nodeserver"
)

// Dequeue outcomes: a dequeue may carry a client-chosen request id. The
// state machine records, when it applies the dequeue, what the dequeue did
// under that id (DequeueRecord); the record is replicated like the queue
// itself (it is part of every snapshot). A client that never learned a
// dequeue's result (a timeout, a reset connection: an "info" op) asks
// afterwards with POST /queue/outcome.
//
// Why the answer is definite, "not applied" included: the outcome request
// is itself a command in the log. When it is applied, every dequeue with
// an asked id either was applied in an earlier slot (its record answers:
// applied, with the value or empty) or was not; for the latter the command
// writes a fence under the id, and a dequeue with a fenced id that is
// applied later (a batch still in flight, an accepted value finished by
// another proposer, a request that reached a node late) changes nothing.
// Every replica applies the same slots in the same order, so every node
// gives the same answer, and it never changes: no need to wait for the
// log to settle, to drain, or to know the highest decided slot.

// maxOutcomeIDs bounds the ids of one outcome request.
const maxOutcomeIDs = 1024

// maxIDLen bounds one dequeue id.
const maxIDLen = 256

// DequeueRecord is what the state machine keeps per dequeue id.
type DequeueRecord struct {
	// Value is the element the dequeue removed (when neither Empty nor
	// Fenced).
	Value int64 `json:"v,omitempty"`
	// Empty: the dequeue found the queue empty.
	Empty bool `json:"e,omitempty"`
	// Fenced: an outcome request found no dequeue with this id applied;
	// none ever will be.
	Fenced bool `json:"x,omitempty"`
}

func (r DequeueRecord) result() result {
	return result{Value: r.Value, Empty: r.Empty, Fenced: r.Fenced}
}

func (r DequeueRecord) outcome(id string) Outcome {
	o := Outcome{ID: id, Applied: !r.Fenced, Empty: r.Empty}
	if o.Applied && !r.Empty {
		v := r.Value
		o.Value = &v
	}
	return o
}

// OutcomeRequest is the body of POST /queue/outcome.
type OutcomeRequest struct {
	IDs []string `json:"ids"`
}

// OutcomeReply is the body of a successful POST /queue/outcome: one
// Outcome per asked id, in the asked order.
type OutcomeReply struct {
	Outcomes []Outcome `json:"outcomes"`
}

// Outcome is the final outcome of the dequeue with request id ID: applied
// with Value (the element it removed) or Empty, or not applied (and never
// to be).
type Outcome struct {
	ID      string `json:"id"`
	Applied bool   `json:"applied"`
	Value   *int64 `json:"value"`
	Empty   bool   `json:"empty"`
}

func (s *Server) handleOutcome(w http.ResponseWriter, r *http.Request) {
	var body OutcomeRequest
	if err := codec.Decode(r, &body); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: outcome: %v", err))
		return
	}
	if err := checkIDs(body.IDs); err != nil {
		codec.WriteError(w, nodeserver.Definite(400, "queue: outcome: %v", err))
		return
	}
	res, err := s.submit(r.Context(), command{Op: cmdOutcome, IDs: body.IDs})
	if err != nil {
		codec.WriteError(w, err)
		return
	}
	if len(res.Outcomes) != len(body.IDs) {
		codec.WriteError(w, nodeserver.Indeterminate("queue: outcome: %d answers for %d ids", len(res.Outcomes), len(body.IDs)))
		return
	}
	codec.WriteJSON(w, http.StatusOK, OutcomeReply{Outcomes: res.Outcomes})
}

func checkIDs(ids []string) error {
	if len(ids) == 0 || len(ids) > maxOutcomeIDs {
		return fmt.Errorf(`body needs {"ids": [...]} with 1 to %d ids, got %d`, maxOutcomeIDs, len(ids))
	}
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return err
		}
	}
	return nil
}

func checkID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("dequeue id %q: want 1 to %d bytes", id, maxIDLen)
	}
	return nil
}
