package cluster

import (
	"errors"
	"fmt"
)

// ErrBadInput marks an error in what the user gave us (a nodes file that is
// missing, malformed or inconsistent). The CLI maps it to exit code 254.
var ErrBadInput = errors.New("cluster: bad input")

// inputError is a one-line message about bad input that unwraps to
// ErrBadInput, so its text reads "cluster: nodes file ...", not the
// sentinel's.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return ErrBadInput }

// BadInputf formats a one-line error that wraps ErrBadInput. The message
// should start with the package name, like every error.
func BadInputf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}
