package kv

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
// itself through it. An error wrapping a dial failure (see HTTPTransport)
// means the peer definitely did not act on the request; any other error
// means it may have.
type Transport interface {
	Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error)
	Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error)
	// Get reads the peer's own entry.
	Get(ctx context.Context, to string, ref EntryRef) (Entry, error)
	// Put merges entries into the peer's store, durably.
	Put(ctx context.Context, to string, req PutRequest) error
	// Sync is one anti-entropy exchange.
	Sync(ctx context.Context, to string, req SyncRequest) (SyncReply, error)
}

// HTTPTransport sends the peer API over HTTP with keep-alive connections.
type HTTPTransport struct {
	addrs  map[string]string // node id -> host:port
	client *http.Client
}

// NewHTTPTransport returns a transport to peers (id -> host:port).
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

// Get implements Transport.
func (t *HTTPTransport) Get(ctx context.Context, to string, ref EntryRef) (Entry, error) {
	var e Entry
	err := t.post(ctx, to, PathGet, ref, &e)
	return e, err
}

// Put implements Transport.
func (t *HTTPTransport) Put(ctx context.Context, to string, req PutRequest) error {
	return t.post(ctx, to, PathPut, req, nil)
}

// Sync implements Transport.
func (t *HTTPTransport) Sync(ctx context.Context, to string, req SyncRequest) (SyncReply, error) {
	var r SyncReply
	err := t.post(ctx, to, PathSync, req, &r)
	return r, err
}

// CloseIdle closes idle keep-alive connections.
func (t *HTTPTransport) CloseIdle() { t.client.CloseIdleConnections() }

func (t *HTTPTransport) post(ctx context.Context, to, path string, in, out any) error {
	addr, ok := t.addrs[to]
	if !ok {
		return fmt.Errorf("kv: unknown peer %q: %w", to, errNotSent)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("kv: peer %s: encode: %v: %w", to, err, errNotSent)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("kv: peer %s: %v: %w", to, err, errNotSent)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		if notSent(err) {
			return fmt.Errorf("kv: peer %s: %v: %w", to, err, errNotSent)
		}
		return fmt.Errorf("kv: peer %s: %w", to, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("kv: peer %s: %w", to, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("kv: peer %s: %s: HTTP %d: %s", to, path, resp.StatusCode, bytes.TrimSpace(data))
		if resp.StatusCode == http.StatusBadRequest {
			return fmt.Errorf("%w: %w", err, errNotSent) // refused before acting
		}
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("kv: peer %s: %s: bad reply: %w", to, path, err)
	}
	return nil
}
