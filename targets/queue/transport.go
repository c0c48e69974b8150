package queue

import (
	"context"
	"net/http"
	"strconv"

	"github.com/faultline/faultline/targets/nodeserver"
)

// Transport carries the peer API to other nodes. A node never sends to
// itself through it.
type Transport interface {
	Prepare(ctx context.Context, to string, m SlotPrepare) (SlotReply, error)
	Accept(ctx context.Context, to string, m SlotAccept) (SlotReply, error)
	Learn(ctx context.Context, to string, m Learn) error
	CatchUp(ctx context.Context, to string, from uint64) (CatchUp, error)
}

// HTTPTransport sends the peer API over HTTP with keep-alive connections
// (nodeserver.PeerClient).
type HTTPTransport struct{ *nodeserver.PeerClient }

// NewHTTPTransport returns a transport to the given peers (id -> host:port).
func NewHTTPTransport(peers map[string]string) *HTTPTransport {
	opts := nodeserver.PeerOptions{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, MaxReply: maxBody}
	return &HTTPTransport{nodeserver.NewPeerClient("queue", peers, opts)}
}

// Prepare implements Transport.
func (t *HTTPTransport) Prepare(ctx context.Context, to string, m SlotPrepare) (SlotReply, error) {
	var r SlotReply
	err := t.Do(ctx, to, http.MethodPost, PathPrepare, m, &r)
	return r, err
}

// Accept implements Transport.
func (t *HTTPTransport) Accept(ctx context.Context, to string, m SlotAccept) (SlotReply, error) {
	var r SlotReply
	err := t.Do(ctx, to, http.MethodPost, PathAccept, m, &r)
	return r, err
}

// Learn implements Transport.
func (t *HTTPTransport) Learn(ctx context.Context, to string, m Learn) error {
	return t.Do(ctx, to, http.MethodPost, PathLearn, m, nil)
}

// CatchUp implements Transport.
func (t *HTTPTransport) CatchUp(ctx context.Context, to string, from uint64) (CatchUp, error) {
	var c CatchUp
	err := t.Do(ctx, to, http.MethodGet, PathCatchUp+"?from="+strconv.FormatUint(from, 10), nil, &c)
	return c, err
}
