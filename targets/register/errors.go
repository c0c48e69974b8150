package register

import (
	"fmt"

	"github.com/faultline/faultline/targets/httpapi"
)

// sentinels are what an Error unwraps to.
var sentinels = httpapi.NewSentinels("register", true)

// ErrDefinite marks an error after which the operation definitely did not
// take effect (a Jepsen "fail"); it wraps api.ErrDefinite. Anything else
// is indeterminate ("info").
var ErrDefinite = sentinels.Definite

// ErrIndeterminate marks an error after which the operation may or may not
// have taken effect.
var ErrIndeterminate = sentinels.Indeterminate

// ErrCASMismatch is a cas whose old value did not match; it wraps
// ErrDefinite and api.ErrMismatch.
var ErrCASMismatch = sentinels.Mismatch

// Error is what the Client returns for a failed operation. errors.Is(err,
// ErrDefinite) tells whether it definitely did not happen; a mismatching
// cas also matches ErrCASMismatch. The Failure holds the HTTP status (0
// when no response arrived), the verdict, the message and the transport
// error, if any.
type Error struct {
	Op  string // read, write, cas
	Key string
	URL string
	httpapi.Failure
}

func (e *Error) Error() string {
	return fmt.Sprintf("register: %s %q at %s: ", e.Op, e.Key, e.URL) + e.Text()
}

// Unwrap exposes ErrCASMismatch / ErrDefinite or ErrIndeterminate, and the
// transport error.
func (e *Error) Unwrap() []error { return e.Wrapped(sentinels) }
