package register

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrDefinite marks an error after which the operation definitely did not
// take effect (a Jepsen "fail"). Anything else is indeterminate ("info").
var ErrDefinite = errors.New("register: operation definitely did not happen")

// ErrIndeterminate marks an error after which the operation may or may not
// have taken effect.
var ErrIndeterminate = errors.New("register: operation may or may not have happened")

// ErrCASMismatch is a cas whose old value did not match; it wraps
// ErrDefinite.
var ErrCASMismatch = fmt.Errorf("register: cas old value does not match: %w", ErrDefinite)

// Error is what the Client returns for a failed operation. errors.Is(err,
// ErrDefinite) tells whether it definitely did not happen; a mismatching
// cas also matches ErrCASMismatch.
type Error struct {
	Op       string // read, write, cas
	Key      string
	URL      string
	Status   int  // HTTP status, 0 when no response arrived
	Definite bool // the operation definitely did not take effect
	Msg      string
	Err      error // the transport error, if any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("register: %s %q at %s: ", e.Op, e.Key, e.URL)
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	s += e.Msg
	if e.Definite {
		return s + " (definitely did not happen)"
	}
	return s + " (indeterminate)"
}

// Unwrap exposes ErrCASMismatch / ErrDefinite or ErrIndeterminate, and the
// transport error.
func (e *Error) Unwrap() []error {
	var errs []error
	switch {
	case e.Status == http.StatusConflict:
		errs = append(errs, ErrCASMismatch)
	case e.Definite:
		errs = append(errs, ErrDefinite)
	default:
		errs = append(errs, ErrIndeterminate)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
