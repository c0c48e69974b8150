package kv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/faultline/faultline/targets/clock"
)

// Client talks to one kv node over its HTTP API. It is safe for concurrent
// use; connections are kept alive.
type Client struct {
	base    string
	timeout time.Duration
	hc      *http.Client
}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"); timeout bounds each request (0: only ctx).
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

// String names the client's node.
func (c *Client) String() string { return fmt.Sprintf("kv client %s", c.base) }

// Read returns key's value (nil when it has none), read with the mode's R.
func (c *Client) Read(ctx context.Context, key string) (*int64, error) {
	var out ValueBody
	err := c.do(ctx, "read", key, http.MethodGet, c.url(PathKV, key), nil, &out)
	return out.Value, err
}

// Write sets key to v.
func (c *Client) Write(ctx context.Context, key string, v int64) error {
	return c.do(ctx, "write", key, http.MethodPut, c.url(PathKV, key), ValueBody{Value: &v}, nil)
}

// CAS sets key to new if it holds old (nil old: if it has no value). A
// mismatch returns an error matching ErrCASMismatch (and ErrDefinite);
// outside serial mode the node refuses with a definite error.
func (c *Client) CAS(ctx context.Context, key string, old *int64, new int64) error {
	return c.do(ctx, "cas", key, http.MethodPost, c.url(PathKV, key)+"/cas", CASBody{Old: old, New: &new}, nil)
}

// SetAdd adds element to the set at key.
func (c *Client) SetAdd(ctx context.Context, key string, element int64) error {
	return c.do(ctx, "add", key, http.MethodPost, c.url(PathSet, key), ElementBody{Element: &element}, nil)
}

// SetRead returns the set at key, sorted.
func (c *Client) SetRead(ctx context.Context, key string) ([]int64, error) {
	var out ElementsBody
	err := c.do(ctx, "set-read", key, http.MethodGet, c.url(PathSet, key), nil, &out)
	return out.Elements, err
}

// LocalRead returns the node's own stored version of key, uncoordinated.
func (c *Client) LocalRead(ctx context.Context, key string) (LocalValue, error) {
	var out LocalValue
	err := c.do(ctx, "local-read", key, http.MethodGet, c.url(PathLocal+"kv/", key), nil, &out)
	return out, err
}

// LocalSetRead returns the node's own copy of the set at key.
func (c *Client) LocalSetRead(ctx context.Context, key string) (LocalSet, error) {
	var out LocalSet
	err := c.do(ctx, "local-set-read", key, http.MethodGet, c.url(PathLocal+"set/", key), nil, &out)
	return out, err
}

// LocalKeys lists the keys the node stores.
func (c *Client) LocalKeys(ctx context.Context) (LocalKeys, error) {
	var out LocalKeys
	err := c.do(ctx, "local-keys", "", http.MethodGet, c.base+PathLocal+"keys", nil, &out)
	return out, err
}

// Clock returns the node's clock reading.
func (c *Client) Clock(ctx context.Context) (clock.Reading, error) {
	var out clock.Reading
	err := c.do(ctx, "clock", "", http.MethodGet, c.base+PathClock, nil, &out)
	return out, err
}

// Health returns the node's /health body.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var out Health
	err := c.do(ctx, "health", "", http.MethodGet, c.base+PathHealth, nil, &out)
	return out, err
}

func (c *Client) url(prefix, key string) string { return c.base + prefix + url.PathEscape(key) }

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
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
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
		// No verdict from our server (a proxy, a crash mid-reply): only a
		// client error is definite.
		eb = ErrorBody{Error: strings.TrimSpace(string(data)), Definite: resp.StatusCode >= 400 && resp.StatusCode < 500}
	}
	switch resp.StatusCode {
	case http.StatusConflict, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
		eb.Definite = true
	}
	return fail(resp.StatusCode, eb.Definite, eb.Error, nil)
}
