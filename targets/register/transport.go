package register

import "github.com/faultline/faultline/targets/nodeserver"

// Transport carries the peer API to other nodes. The server never sends to
// itself through it: its own acceptor is called directly.
type Transport = nodeserver.Acceptors

// HTTPTransport sends the peer API over HTTP with keep-alive connections.
type HTTPTransport struct{ nodeserver.HTTPAcceptors }

// NewHTTPTransport returns a transport to the given peers (id -> host:port).
func NewHTTPTransport(peers map[string]string) *HTTPTransport {
	opts := nodeserver.PeerOptions{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256, MaxReply: maxBody}
	return &HTTPTransport{nodeserver.HTTPAcceptors{PeerClient: nodeserver.NewPeerClient("register", peers, opts)}}
}
