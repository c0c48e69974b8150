package kv

import (
	"context"
	"net/http"

	"github.com/faultline/faultline/targets/nodeserver"
)

// Transport carries the peer API to other nodes. The server never sends to
// itself through it. An error that nodeserver.NotSent accepts (see
// HTTPTransport) means the peer definitely did not act on the request; any
// other error means it may have.
type Transport interface {
	nodeserver.Acceptors
	// Get reads the peer's own entry.
	Get(ctx context.Context, to string, ref EntryRef) (Entry, error)
	// Put merges entries into the peer's store, durably.
	Put(ctx context.Context, to string, req PutRequest) error
	// Sync is one anti-entropy exchange.
	Sync(ctx context.Context, to string, req SyncRequest) (SyncReply, error)
}

// HTTPTransport sends the peer API over HTTP with keep-alive connections
// (nodeserver.PeerClient, which marks what did not reach the peer).
type HTTPTransport struct{ nodeserver.HTTPAcceptors }

// NewHTTPTransport returns a transport to peers (id -> host:port).
func NewHTTPTransport(peers map[string]string) *HTTPTransport {
	opts := nodeserver.PeerOptions{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, MaxReply: maxBody}
	return &HTTPTransport{nodeserver.HTTPAcceptors{PeerClient: nodeserver.NewPeerClient("kv", peers, opts)}}
}

// Get implements Transport.
func (t *HTTPTransport) Get(ctx context.Context, to string, ref EntryRef) (Entry, error) {
	var e Entry
	err := t.Do(ctx, to, http.MethodPost, PathGet, ref, &e)
	return e, err
}

// Put implements Transport.
func (t *HTTPTransport) Put(ctx context.Context, to string, req PutRequest) error {
	return t.Do(ctx, to, http.MethodPost, PathPut, req, nil)
}

// Sync implements Transport.
func (t *HTTPTransport) Sync(ctx context.Context, to string, req SyncRequest) (SyncReply, error) {
	var r SyncReply
	err := t.Do(ctx, to, http.MethodPost, PathSync, req, &r)
	return r, err
}
