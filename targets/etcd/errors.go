package etcd

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/httpapi"
)

// ErrDefinite is wrapped by every error after which the op certainly did
// not take effect.
var ErrDefinite = httpapi.Sentinel("etcd: definitely not applied", api.ErrDefinite)

// ErrMismatch is wrapped by the error of a CAS whose comparison failed: the
// key did not hold the expected value, nothing was written.
var ErrMismatch = httpapi.Sentinel("etcd: cas mismatch", api.ErrMismatch)

// Definite reports whether err means the op did not take effect.
func Definite(err error) bool { return errors.Is(err, ErrDefinite) }

// Error is a failed request to one member.
type Error struct {
	Op       string // read | write | cas
	Key      string
	URL      string
	Status   int    // HTTP status, 0 when there was no reply
	Code     int    // the gateway's gRPC code, 0 when none
	Msg      string // etcd's message or what went wrong
	Definite bool   // the op certainly did not take effect
	Mismatch bool   // a CAS comparison failed
	Err      error  // the transport error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "etcd: %s %q at %s", e.Op, e.Key, e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	if e.Err != nil && e.Msg == "" {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	var errs []error
	if e.Definite {
		errs = append(errs, ErrDefinite)
	}
	if e.Mismatch {
		errs = append(errs, ErrMismatch)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// definiteReplies are etcd errors returned before the request is proposed
// to raft: the op cannot have taken effect. Everything else etcd answers
// with (notably "request timed out", which a proposal that later commits
// also gets) is indeterminate.
var definiteReplies = []string{
	"etcdserver: too many requests",
	"raft proposal dropped",
	"etcdserver: not capable",
	"etcdserver: request is too large",
	"etcdserver: unhealthy cluster",
}

// gRPC codes the gateway reports for requests refused before any effect.
const (
	codeInvalidArgument   = 3
	codeResourceExhausted = 8
)

func definiteReply(code int, msg string) bool {
	if code == codeInvalidArgument || code == codeResourceExhausted {
		return true
	}
	for _, s := range definiteReplies {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// definiteTransport reports whether a transport error happened before the
// request was sent: only a failed dial qualifies (a reused connection that
// breaks may have delivered the request).
func definiteTransport(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
