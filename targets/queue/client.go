package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/faultline/faultline/targets/httpapi"
)

// Client talks to one queue node over its HTTP API. It is safe for
// concurrent use; connections are kept alive.
type Client struct {
	api *httpapi.Client
}

// definiteStatus are the statuses with which a node refuses before it
// acts, whatever the reply body says.
var definiteStatus = []int{http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"); timeout bounds each request (0: none beyond
// ctx).
func NewClient(baseURL string, timeout time.Duration) *Client {
	return &Client{api: httpapi.NewClient(baseURL, timeout, httpapi.Options{MaxIdleConns: 64, MaxReply: 1 << 20, DefiniteStatus: definiteStatus})}
}

// Close closes idle connections.
func (c *Client) Close() error {
	c.api.Close()
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
		return 0, false, &Error{Op: "dequeue", URL: c.api.Base() + PathDequeue, Failure: httpapi.Failure{Status: http.StatusOK, Msg: "reply has neither value nor empty"}}
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
		return nil, &Error{Op: "outcome", URL: c.api.Base() + PathOutcome, Failure: httpapi.Failure{Status: http.StatusOK, Msg: fmt.Sprintf("%d outcomes for %d ids", len(out.Outcomes), len(ids))}}
	}
	for i, o := range out.Outcomes {
		if o.ID != ids[i] || (o.Applied && !o.Empty && o.Value == nil) {
			return nil, &Error{Op: "outcome", URL: c.api.Base() + PathOutcome, Failure: httpapi.Failure{Status: http.StatusOK, Msg: fmt.Sprintf("outcome %d (%+v) does not answer id %q", i, o, ids[i])}}
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
	u := c.api.Base() + path
	if f := c.api.Do(ctx, method, u, in, out); f != nil {
		return &Error{Op: op, URL: u, Failure: *f}
	}
	return nil
}

// String names the client's node.
func (c *Client) String() string { return fmt.Sprintf("queue client %s", c.api.Base()) }
