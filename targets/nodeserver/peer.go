package nodeserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/faultline/faultline/targets/httpapi"
)

// ErrNotSent marks a peer request that cannot have reached the peer, or
// that the peer refused before acting (a 400): the peer definitely did not
// act on it.
var ErrNotSent = errors.New("request not sent")

// NotSent reports whether a peer request's error proves that the peer did
// not act on it: one marked ErrNotSent, a failed dial or a bad URL
// (httpapi.NotSent).
func NotSent(err error) bool {
	return errors.Is(err, ErrNotSent) || httpapi.NotSent(err)
}

// PeerOptions size a PeerClient's connection pool and bound its replies.
type PeerOptions struct {
	// MaxIdleConns and MaxIdleConnsPerHost bound the kept-alive
	// connections (in all and to one peer).
	MaxIdleConns, MaxIdleConnsPerHost int
	// MaxReply bounds one reply body read.
	MaxReply int64
}

// PeerClient sends JSON requests to the other nodes over HTTP with
// keep-alive connections. It is safe for concurrent use.
type PeerClient struct {
	name   string
	addrs  map[string]string // node id -> host:port
	opts   PeerOptions
	client *http.Client
}

// NewPeerClient returns a client to peers (id -> host:port); name (the
// target's) prefixes its errors.
func NewPeerClient(name string, peers map[string]string, opts PeerOptions) *PeerClient {
	tr := httpapi.NewTransport(500*time.Millisecond, opts.MaxIdleConns, opts.MaxIdleConnsPerHost)
	return &PeerClient{name: name, addrs: peers, opts: opts, client: &http.Client{Transport: tr}}
}

// CloseIdle closes idle keep-alive connections.
func (c *PeerClient) CloseIdle() { c.client.CloseIdleConnections() }

// Do sends in as JSON (nil: no body) with method to path on peer to, and
// decodes a 200 reply into out (nil: the body is ignored). Any other
// status is an error; see ErrNotSent for which errors are definite.
func (c *PeerClient) Do(ctx context.Context, to, method, path string, in, out any) error {
	addr, ok := c.addrs[to]
	if !ok {
		return fmt.Errorf("%s: unknown peer %q: %w", c.name, to, ErrNotSent)
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: peer %s: encode: %v: %w", c.name, to, err, ErrNotSent)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
	if err != nil {
		return fmt.Errorf("%s: peer %s: %v: %w", c.name, to, err, ErrNotSent)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		if httpapi.NotSent(err) {
			return fmt.Errorf("%s: peer %s: %v: %w", c.name, to, err, ErrNotSent)
		}
		return fmt.Errorf("%s: peer %s: %w", c.name, to, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxReply))
	if err != nil {
		return fmt.Errorf("%s: peer %s: %w", c.name, to, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("%s: peer %s: %s: HTTP %d: %s", c.name, to, path, resp.StatusCode, bytes.TrimSpace(data))
		if resp.StatusCode == http.StatusBadRequest {
			return fmt.Errorf("%w: %w", err, ErrNotSent) // refused before acting
		}
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: peer %s: %s: bad reply: %w", c.name, to, path, err)
	}
	return nil
}
