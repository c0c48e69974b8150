package queue

import (
	"errors"
	"fmt"
)

// ErrDefinite marks an error after which the operation definitely did not
// take effect (a Jepsen "fail"). Anything else is indeterminate ("info").
var ErrDefinite = errors.New("queue: operation definitely did not happen")

// ErrIndeterminate marks an error after which the operation may or may not
// have taken effect.
var ErrIndeterminate = errors.New("queue: operation may or may not have happened")

// Error is what the Client returns for a failed operation. errors.Is(err,
// ErrDefinite) tells whether it definitely did not happen.
type Error struct {
	Op       string // enqueue, dequeue, stats, health
	URL      string
	Status   int  // HTTP status, 0 when no response arrived
	Definite bool // the operation definitely did not take effect
	Msg      string
	Err      error // the transport error, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("queue: %s at %s: ", e.Op, e.URL)
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	s += e.Msg
	if e.Definite {
		return s + " (definitely did not happen)"
	}
	return s + " (indeterminate)"
}

// Unwrap exposes ErrDefinite or ErrIndeterminate, and the transport error.
func (e *Error) Unwrap() []error {
	errs := []error{ErrIndeterminate}
	if e.Definite {
		errs[0] = ErrDefinite
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
