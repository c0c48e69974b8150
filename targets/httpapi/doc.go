// Package httpapi is the request code shared by the HTTP clients of the
// targets (register, kv, queue): JSON in, JSON out, and the one place that
// decides whether a failed request definitely did not happen (a Jepsen
// "fail") or may have happened (an "info"). Each target wraps a Failure in
// its own Error type, with its own sentinels (Sentinel, wrapping the
// harness's api.ErrDefinite and api.ErrMismatch) and op names; the
// Failure's Text and Wrapped are that type's text and Unwrap.
//
// Contract (safety-critical: a request that may have reached the server
// must never be called definite):
//
//   - Definite: the request could not be encoded or built; the transport
//     failed before anything was sent (NotSent: a failed dial, a DNS
//     failure, an unsupported URL scheme); the server answered with an
//     ErrorBody saying definite; the server answered with a status listed
//     in Options.DefiniteStatus; a non-200 reply with no ErrorBody (a
//     proxy, a crash mid-reply) with a 4xx status.
//   - Indeterminate: everything else, in particular any transport error
//     after dialing (a reset, an EOF, a timeout), a reply that could not
//     be read, and a 200 reply that does not decode.
//
// Example:
//
//	c := httpapi.NewClient("http://198.18.0.11:7000", time.Second, httpapi.Options{})
//	defer c.Close()
//	var h Health
//	if f := c.Do(ctx, http.MethodGet, c.Base()+"/health", nil, &h); f != nil {
//		return &Error{Op: "health", URL: c.Base() + "/health", Status: f.Status, Definite: f.Definite, Msg: f.Msg, Err: f.Err}
//	}
package httpapi
