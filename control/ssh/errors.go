package ssh

import (
	"errors"

	"github.com/faultline/faultline/control"
)

// ErrHostKey marks a refused host key (unknown, changed or revoked). It is
// not a transport error: retrying cannot help, a person must decide.
var ErrHostKey = errors.New("control/ssh: host key refused")

// ErrAuth marks an authentication failure. It is not a transport error.
var ErrAuth = errors.New("control/ssh: authentication failed")

// classedError carries a one-line message and wraps both a class sentinel
// (control.ErrTransport, ErrHostKey, ErrAuth) and the underlying cause.
type classedError struct {
	msg   string
	class error
	cause error
}

func (e *classedError) Error() string { return e.msg }

func (e *classedError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.class}
	}
	return []error{e.class, e.cause}
}

func transportErr(msg string, cause error) error {
	return &classedError{msg: msg, class: control.ErrTransport, cause: cause}
}

func isTransport(err error) bool { return errors.Is(err, control.ErrTransport) }
