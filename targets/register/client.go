package register

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

// Client talks to one register node over its HTTP API. It is safe for
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
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), timeout: timeout, hc: &http.Client{Transport: tr}}
}

// Close closes idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

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
	err := c.do(ctx, "health", "", http.MethodGet, c.base+PathHealth, nil, &h)
	return h, err
}

func (c *Client) keyURL(key string) string { return c.base + PathRegister + url.PathEscape(key) }

func (c *Client) do(ctx context.Context, op, key, method, u string, in, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	fail := func(status int, definite bool, msg string, err error) error {
		return &Error{Op: op, Key: key, URL: u, Status: status, Definite: definite, Msg: msg, Err: err}
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
	case http.StatusConflict, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		eb.Definite = true
	}
	return fail(resp.StatusCode, eb.Definite, eb.Error, nil)
}

// notSent reports whether a transport error happened before the request
// could have reached the server: a failed dial (connection refused, no
// route, dial timeout) or a bad URL.
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
func (c *Client) String() string { return fmt.Sprintf("register client %s", c.base) }
