package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Options are what differs between the targets' clients. The zero value
// is usable.
type Options struct {
	// MaxIdleConns bounds the kept-alive connections (0: 256).
	MaxIdleConns int
	// MaxReply bounds one reply body read (0: 1 MiB).
	MaxReply int64
	// DefiniteStatus lists the HTTP statuses that are definite whatever
	// the reply body says: those with which the server refuses before it
	// acts (e.g. 400, 404, 405, and 409 for a cas mismatch).
	DefiniteStatus []int
}

// Client sends JSON requests to one node. It is safe for concurrent use;
// connections are kept alive.
type Client struct {
	base    string
	timeout time.Duration
	opts    Options
	hc      *http.Client
}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"; a trailing slash is dropped); timeout bounds
// each request (0: none beyond ctx).
func NewClient(baseURL string, timeout time.Duration, opts Options) *Client {
	if opts.MaxIdleConns == 0 {
		opts.MaxIdleConns = 256
	}
	if opts.MaxReply == 0 {
		opts.MaxReply = 1 << 20
	}
	tr := NewTransport(2*time.Second, opts.MaxIdleConns, opts.MaxIdleConns)
	return &Client{base: strings.TrimRight(baseURL, "/"), timeout: timeout, opts: opts, hc: &http.Client{Transport: tr}}
}

// NewTransport is the HTTP transport of the targets' clients and of the
// servers' peer requests: dials bounded by dial, connections kept alive
// (at most maxIdle idle, maxIdlePerHost to one host, for a minute), no
// compression.
func NewTransport(dial time.Duration, maxIdle, maxIdlePerHost int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dial, KeepAlive: 15 * time.Second}).DialContext,
		MaxIdleConns:        maxIdle,
		MaxIdleConnsPerHost: maxIdlePerHost,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
}

// Base is the node's base URL, without a trailing slash.
func (c *Client) Base() string { return c.base }

// Close closes idle connections; the client stays usable.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Failure is a failed request, classified.
type Failure struct {
	Status   int  // HTTP status, 0 when no response arrived
	Definite bool // the request definitely did not take effect
	Msg      string
	Err      error // the transport or decoding error, if any
}

// errorBody is the JSON body of a non-200 reply from our servers.
type errorBody struct {
	Error    string `json:"error"`
	Definite bool   `json:"definite"`
}

// Do sends in as JSON (nil: no body) with method to u and decodes a 200
// reply into out (nil: the body is ignored). It returns nil on success,
// else the Failure, classified as the package doc says.
func (c *Client) Do(ctx context.Context, method, u string, in, out any) *Failure {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return &Failure{Definite: true, Msg: "encode request: " + err.Error(), Err: err}
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return &Failure{Definite: true, Msg: "build request: " + err.Error(), Err: err}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return &Failure{Definite: NotSent(err), Msg: err.Error(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxReply))
	if err != nil {
		return &Failure{Status: resp.StatusCode, Msg: "read reply: " + err.Error(), Err: err}
	}
	if resp.StatusCode == http.StatusOK {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return &Failure{Status: resp.StatusCode, Msg: "bad reply: " + err.Error(), Err: err}
		}
		return nil
	}
	var eb errorBody
	if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
		// No verdict from our server (a proxy, a crash mid-reply): only a
		// client error is definite.
		eb = errorBody{Error: strings.TrimSpace(string(data)), Definite: resp.StatusCode >= 400 && resp.StatusCode < 500}
	}
	if slices.Contains(c.opts.DefiniteStatus, resp.StatusCode) {
		eb.Definite = true
	}
	return &Failure{Status: resp.StatusCode, Definite: eb.Definite, Msg: eb.Error}
}
