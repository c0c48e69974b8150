package httpapi

import (
	"fmt"
	"net/http"

	"github.com/faultline/faultline/api"
)

// Sentinel returns an error with text msg that wraps every error in wraps,
// so that errors.Is finds them: a target's ErrDefinite wrapping
// api.ErrDefinite, its ErrCASMismatch wrapping its ErrDefinite and
// api.ErrMismatch.
func Sentinel(msg string, wraps ...error) error { return &sentinel{msg: msg, wraps: wraps} }

type sentinel struct {
	msg   string
	wraps []error
}

func (s *sentinel) Error() string   { return s.msg }
func (s *sentinel) Unwrap() []error { return s.wraps }

// Sentinels are the errors a target's client errors unwrap to.
type Sentinels struct {
	// Definite and Indeterminate mark the two verdicts.
	Definite, Indeterminate error
	// Mismatch, when set, is what a 409 (a cas whose old value did not
	// match) unwraps to instead of Definite; it should wrap Definite.
	Mismatch error
}

// NewSentinels returns target's sentinels: Definite ("<target>: operation
// definitely did not happen") wraps api.ErrDefinite, Indeterminate
// ("<target>: operation may or may not have happened") wraps nothing, and,
// when cas, Mismatch ("<target>: cas old value does not match: ...") wraps
// Definite and api.ErrMismatch.
func NewSentinels(target string, cas bool) Sentinels {
	s := Sentinels{
		Definite:      Sentinel(target+": operation definitely did not happen", api.ErrDefinite),
		Indeterminate: Sentinel(target + ": operation may or may not have happened"),
	}
	if cas {
		s.Mismatch = Sentinel(target+": cas old value does not match: "+s.Definite.Error(), s.Definite, api.ErrMismatch)
	}
	return s
}

// Text is f as the tail of a target's error text: the status (when a
// reply arrived), the message and the verdict.
func (f Failure) Text() string {
	s := ""
	if f.Status != 0 {
		s = fmt.Sprintf("HTTP %d: ", f.Status)
	}
	s += f.Msg
	if f.Definite {
		return s + " (definitely did not happen)"
	}
	return s + " (indeterminate)"
}

// Wrapped is what a target's error carrying f unwraps to: the sentinel of
// its verdict (of s), then the transport error, if any.
func (f Failure) Wrapped(s Sentinels) []error {
	var errs []error
	switch {
	case s.Mismatch != nil && f.Status == http.StatusConflict:
		errs = append(errs, s.Mismatch)
	case f.Definite:
		errs = append(errs, s.Definite)
	default:
		errs = append(errs, s.Indeterminate)
	}
	if f.Err != nil {
		errs = append(errs, f.Err)
	}
	return errs
}
