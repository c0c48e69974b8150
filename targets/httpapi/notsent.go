package httpapi

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// NotSent reports whether a transport error happened before the request
// could have reached the server: a failed dial (connection refused, no
// route, dial timeout), a failed name lookup, or a bad URL. Anything else
// (a reset, an EOF, a timeout after dialing) may have reached it.
func NotSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return true
	}
	return false
}
