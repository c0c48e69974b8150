package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Transport carries the peer API to other nodes. A node never sends to
// itself through it.
type Transport interface {
	Prepare(ctx context.Context, to string, m SlotPrepare) (SlotReply, error)
	Accept(ctx context.Context, to string, m SlotAccept) (SlotReply, error)
	Learn(ctx context.Context, to string, m Learn) error
	CatchUp(ctx context.Context, to string, from uint64) (CatchUp, error)
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
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &HTTPTransport{addrs: peers, client: &http.Client{Transport: tr}}
}

// Prepare implements Transport.
func (t *HTTPTransport) Prepare(ctx context.Context, to string, m SlotPrepare) (SlotReply, error) {
	var r SlotReply
	err := t.do(ctx, to, http.MethodPost, PathPrepare, m, &r)
	return r, err
}

// Accept implements Transport.
func (t *HTTPTransport) Accept(ctx context.Context, to string, m SlotAccept) (SlotReply, error) {
	var r SlotReply
	err := t.do(ctx, to, http.MethodPost, PathAccept, m, &r)
	return r, err
}

// Learn implements Transport.
func (t *HTTPTransport) Learn(ctx context.Context, to string, m Learn) error {
	return t.do(ctx, to, http.MethodPost, PathLearn, m, nil)
}

// CatchUp implements Transport.
func (t *HTTPTransport) CatchUp(ctx context.Context, to string, from uint64) (CatchUp, error) {
	var c CatchUp
	err := t.do(ctx, to, http.MethodGet, PathCatchUp+"?from="+strconv.FormatUint(from, 10), nil, &c)
	return c, err
}

// CloseIdle closes idle keep-alive connections.
func (t *HTTPTransport) CloseIdle() { t.client.CloseIdleConnections() }

func (t *HTTPTransport) do(ctx context.Context, to, method, path string, in, out any) error {
	addr, ok := t.addrs[to]
	if !ok {
		return fmt.Errorf("queue: unknown peer %q", to)
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return fmt.Errorf("queue: peer %s: %w", to, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("queue: peer %s: %w", to, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("queue: peer %s: %s: HTTP %d: %s", to, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("queue: peer %s: %s: bad reply: %w", to, path, err)
	}
	return nil
}
