package register

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/faultline/faultline/targets/httpapi"
)

// Client talks to one register node over its HTTP API. It is safe for
// concurrent use; connections are kept alive.
type Client struct {
	api *httpapi.Client
}

// definiteStatus are the statuses with which a node refuses before it
// acts, whatever the reply body says.
var definiteStatus = []int{http.StatusConflict, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"); timeout bounds each request (0: none beyond
// ctx).
func NewClient(baseURL string, timeout time.Duration) *Client {
	return &Client{api: httpapi.NewClient(baseURL, timeout, httpapi.Options{MaxIdleConns: 256, MaxReply: 1 << 20, DefiniteStatus: definiteStatus})}
}

// Close closes idle connections.
func (c *Client) Close() { c.api.Close() }

// Read returns key's value, nil when the register is empty.
func (c *Client) Read(ctx context.Context, key string) (*int64, error) {
	var out ValueBody
	if err := c.do(ctx, "read", key, http.MethodGet, c.keyURL(key), nil, &out); err != nil {
		return nil, err
	}
	return out.Value, nil
}

// Write sets key to v.
func (c *Client) Write(ctx context.Context, key string, v int64) error {
	return c.do(ctx, "write", key, http.MethodPut, c.keyURL(key), ValueBody{Value: &v}, nil)
}

// CAS sets key to new if it holds old (nil old: if it is empty). A mismatch
// returns an error matching ErrCASMismatch (and ErrDefinite).
func (c *Client) CAS(ctx context.Context, key string, old *int64, new int64) error {
	return c.do(ctx, "cas", key, http.MethodPost, c.keyURL(key)+"/cas", CASBody{Old: old, New: &new}, nil)
}

// Health returns the node's /health body.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.do(ctx, "health", "", http.MethodGet, c.api.Base()+PathHealth, nil, &h)
	return h, err
}

func (c *Client) keyURL(key string) string { return c.api.Base() + PathRegister + url.PathEscape(key) }

func (c *Client) do(ctx context.Context, op, key, method, u string, in, out any) error {
	if f := c.api.Do(ctx, method, u, in, out); f != nil {
		return &Error{Op: op, Key: key, URL: u, Failure: *f}
	}
	return nil
}

// String names the client's node.
func (c *Client) String() string { return fmt.Sprintf("register client %s", c.api.Base()) }
