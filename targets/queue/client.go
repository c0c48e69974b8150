package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one queue node over its HTTP API. It is safe for
// concurrent use; connections are kept alive.
type Client struct {
	base    string
	timeout time.Duration
	hc      *http.Client
}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"); timeout bounds each request (0: none beyond
// ctx).
func NewClient(baseURL string, timeout time.Duration) *Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), timeout: timeout, hc: &http.Client{Transport: tr}}
}

// Close closes idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// Enqueue appends v to the queue.
func (c *Client) Enqueue(ctx context.Context, v int64) error {
	return c.do(ctx, "enqueue", http.MethodPost, PathEnqueue, EnqueueBody{Value: &v}, nil)
}

// Dequeue removes the queue's head and returns it, or empty=true when the
// queue was empty.
func (c *Client) Dequeue(ctx context.Context) (v int64, empty bool, err error) {
	return c.DequeueID(ctx, "")
}

// DequeueID is Dequeue with a request id (unique per dequeue in the
// cluster's lifetime; "" for none): if the reply is lost, DequeueOutcome
// tells later what the dequeue did.
func (c *Client) DequeueID(ctx context.Context, id string) (v int64, empty bool, err error) {
	var out DequeueBody
	if err := c.do(ctx, "dequeue", http.MethodPost, PathDequeue, DequeueRequest{ID: id}, &out); err != nil {
		return 0, false, err
	}
	if out.Empty {
		return 0, true, nil
	}
	if out.Value == nil {
		return 0, false, &Error{Op: "dequeue", URL: c.base + PathDequeue, Status: http.StatusOK, Msg: "reply has neither value nor empty"}
	}
	return *out.Value, false, nil
}

// Outcomes asks for the final outcome of the dequeues with the given ids
// (at most 1024), one Outcome per id in order. The request goes through
// the log: an id with no applied dequeue is fenced, so "not applied" is
// final. Retrying after an error is safe.
func (c *Client) Outcomes(ctx context.Context, ids []string) ([]Outcome, error) {
	var out OutcomeReply
	if err := c.do(ctx, "outcome", http.MethodPost, PathOutcome, OutcomeRequest{IDs: ids}, &out); err != nil {
		return nil, err
	}
	if len(out.Outcomes) != len(ids) {
		return nil, &Error{Op: "outcome", URL: c.base + PathOutcome, Status: http.StatusOK, Msg: fmt.Sprintf("%d outcomes for %d ids", len(out.Outcomes), len(ids))}
	}
	for i, o := range out.Outcomes {
		if o.ID != ids[i] || (o.Applied && !o.Empty && o.Value == nil) {
			return nil, &Error{Op: "outcome", URL: c.base + PathOutcome, Status: http.StatusOK, Msg: fmt.Sprintf("outcome %d (%+v) does not answer id %q", i, o, ids[i])}
		}
	}
	return out.Outcomes, nil
}

// DequeueOutcome is Outcomes for one id: applied with v or empty, or not
// applied (and never to be).
func (c *Client) DequeueOutcome(ctx context.Context, id string) (applied bool, v int64, empty bool, err error) {
	out, err := c.Outcomes(ctx, []string{id})
	if err != nil {
		return false, 0, false, err
	}
	o := out[0]
	if o.Value != nil {
		v = *o.Value
	}
	return o.Applied, v, o.Empty, nil
}

// Stats returns the node's /stats.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := c.do(ctx, "stats", http.MethodGet, PathStats, nil, &s)
	return s, err
}

// Health returns the node's /health.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.do(ctx, "health", http.MethodGet, PathHealth, nil, &h)
	return h, err
}

// Definite reports whether err (from this package's client) says the
// operation definitely did not happen.
func Definite(err error) bool { return errors.Is(err, ErrDefinite) }

func (c *Client) do(ctx context.Context, op, method, path string, in, out any) error {
	u := c.base + path
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	fail := func(status int, definite bool, msg string, err error) error {
		return &Error{Op: op, URL: u, Status: status, Definite: definite, Msg: msg, Err: err}
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fail(0, true, "encode request: "+err.Error(), err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fail(0, true, "build request: "+err.Error(), err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fail(0, notSent(err), err.Error(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail(resp.StatusCode, false, "read reply: "+err.Error(), err)
	}
	if resp.StatusCode == http.StatusOK {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fail(resp.StatusCode, false, "bad reply: "+err.Error(), err)
		}
		return nil
	}
	var eb ErrorBody
	if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
		eb = ErrorBody{Error: strings.TrimSpace(string(data))}
		// No verdict from our server (a proxy, a crash mid-reply): only a
		// client error is definite.
		eb.Definite = resp.StatusCode >= 400 && resp.StatusCode < 500
	}
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		eb.Definite = true
	}
	return fail(resp.StatusCode, eb.Definite, eb.Error, nil)
}

// notSent reports whether a transport error happened before the request
// could have reached the server: a failed dial or a bad URL.
func notSent(err error) bool {
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

// String names the client's node.
func (c *Client) String() string { return fmt.Sprintf("queue client %s", c.base) }
