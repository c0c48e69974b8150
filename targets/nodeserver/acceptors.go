package nodeserver

import (
	"context"
	"net/http"

	"github.com/faultline/faultline/targets/paxos"
)

// The peer API of a per-key CASPaxos acceptor (the register and kv
// targets): POST a paxos.Prepare or paxos.Accept, get the paxos.Promise or
// paxos.Accepted.
const (
	PathPrepare = "/peer/prepare"
	PathAccept  = "/peer/accept"
)

// Acceptors reaches the CASPaxos acceptors of other nodes.
type Acceptors interface {
	Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error)
	Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error)
}

// HTTPAcceptors is Acceptors over the peer API.
type HTTPAcceptors struct{ *PeerClient }

// Prepare implements Acceptors.
func (a HTTPAcceptors) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	var p paxos.Promise
	err := a.Do(ctx, to, http.MethodPost, PathPrepare, m, &p)
	return p, err
}

// Accept implements Acceptors.
func (a HTTPAcceptors) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	var acc paxos.Accepted
	err := a.Do(ctx, to, http.MethodPost, PathAccept, m, &acc)
	return acc, err
}

// LocalAcceptor is a node's own acceptor: each step returns only once a
// changed state is durable, so its reply may leave the node.
type LocalAcceptor interface {
	Prepare(m paxos.Prepare) (paxos.Promise, error)
	Accept(m paxos.Accept) (paxos.Accepted, error)
}

// Cluster is every acceptor as one Acceptors: this node's own (Self) is
// called directly, never through the network; the others through Remote.
type Cluster struct {
	Self   string
	Local  LocalAcceptor
	Remote Acceptors
}

// Prepare implements Acceptors.
func (c Cluster) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	if to == c.Self {
		return c.Local.Prepare(m)
	}
	return c.Remote.Prepare(ctx, to, m)
}

// Accept implements Acceptors.
func (c Cluster) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	if to == c.Self {
		return c.Local.Accept(m)
	}
	return c.Remote.Accept(ctx, to, m)
}

// HandleAcceptor serves a's peer API on mux. A body that does not decode
// is a definite 400; a failed step (storage) is indeterminate.
func HandleAcceptor(mux *http.ServeMux, c Codec, a LocalAcceptor) {
	mux.HandleFunc("POST "+PathPrepare, handleStep(c, "prepare", func(m paxos.Prepare) string { return m.Key }, a.Prepare))
	mux.HandleFunc("POST "+PathAccept, handleStep(c, "accept", func(m paxos.Accept) string { return m.Key }, a.Accept))
}

// handleStep decodes an M, runs step on it and replies its R.
func handleStep[M, R any](c Codec, what string, key func(M) string, step func(M) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var m M
		if err := c.Decode(r, &m); err != nil {
			c.WriteError(w, Definite(400, "%s: %s: %v", c.Name, what, err))
			return
		}
		rep, err := step(m)
		if err != nil {
			c.WriteError(w, Indeterminate("%s: %s %q: %v", c.Name, what, key(m), err))
			return
		}
		c.WriteJSON(w, http.StatusOK, rep)
	}
}
