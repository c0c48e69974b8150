package queue

import (
	"fmt"

	"github.com/faultline/faultline/targets/httpapi"
)

// sentinels are what an Error unwraps to.
var sentinels = httpapi.NewSentinels("queue", false)

// ErrDefinite marks an error after which the operation definitely did not
// take effect (a Jepsen "fail"); it wraps api.ErrDefinite. Anything else
// is indeterminate ("info").
var ErrDefinite = sentinels.Definite

// ErrIndeterminate marks an error after which the operation may or may not
// have taken effect.
var ErrIndeterminate = sentinels.Indeterminate

// Error is what the Client returns for a failed operation. errors.Is(err,
// ErrDefinite) tells whether it definitely did not happen. The Failure
// holds the HTTP status (0 when no response arrived), the verdict, the
// message and the transport error, if any.
type Error struct {
	Op  string // enqueue, dequeue, stats, health
	URL string
	httpapi.Failure
}

func (e *Error) Error() string {
	return fmt.Sprintf("queue: %s at %s: ", e.Op, e.URL) + e.Text()
}

// Unwrap exposes ErrDefinite or ErrIndeterminate, and the transport error.
func (e *Error) Unwrap() []error { return e.Wrapped(sentinels) }
