package nodeserver

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a server-side failure as the reply carries it: its HTTP status
// and whether the operation definitely did not happen.
type Error struct {
	Status   int
	Definite bool
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

// Definite is a failure after which the operation definitely did not take
// effect, answered with status.
func Definite(status int, format string, args ...any) *Error {
	return &Error{Status: status, Definite: true, Msg: fmt.Sprintf(format, args...)}
}

// Indeterminate is a failure after which the operation may or may not
// have taken effect, answered with 500.
func Indeterminate(format string, args ...any) *Error {
	return &Error{Status: http.StatusInternalServerError, Msg: fmt.Sprintf(format, args...)}
}

// Classify returns err as an *Error: the one it is or wraps, else an
// indeterminate one with err's text (nothing proves that an unclassified
// failure did not happen).
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e
	}
	return Indeterminate("%v", err)
}
