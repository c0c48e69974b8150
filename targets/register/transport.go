package register

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/faultline/faultline/targets/paxos"
)

// Transport carries the peer API to other nodes. The server never sends to
// itself through it: its own acceptor is called directly.
type Transport interface {
	Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error)
	Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error)
}

// HTTPTransport sends the peer API over HTTP with keep-alive connections.
type HTTPTransport struct {
	addrs  map[string]string // node id -> host:port
	client *http.Client
}

// NewHTTPTransport returns a transport to the given peers (id -> host:port).
func NewHTTPTransport(peers map[string]string) *HTTPTransport {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 500 * time.Millisecond, KeepAlive: 15 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &HTTPTransport{addrs: peers, client: &http.Client{Transport: tr}}
}

// Prepare implements Transport.
func (t *HTTPTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	var p paxos.Promise
	err := t.post(ctx, to, PathPrepare, m, &p)
	return p, err
}

// Accept implements Transport.
func (t *HTTPTransport) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	var a paxos.Accepted
	err := t.post(ctx, to, PathAccept, m, &a)
	return a, err
}

// CloseIdle closes idle keep-alive connections.
func (t *HTTPTransport) CloseIdle() { t.client.CloseIdleConnections() }

func (t *HTTPTransport) post(ctx context.Context, to, path string, in, out any) error {
	addr, ok := t.addrs[to]
	if !ok {
		return fmt.Errorf("register: unknown peer %q", to)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return fmt.Errorf("register: peer %s: %w", to, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("register: peer %s: %w", to, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("register: peer %s: %s: HTTP %d: %s", to, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("register: peer %s: %s: bad reply: %w", to, path, err)
	}
	return nil
}
