package register

import (
	"context"
	"errors"
	"strconv"

	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// opKind is a client operation.
type opKind string

const (
	opRead  opKind = "read"
	opWrite opKind = "write"
	opCAS   opKind = "cas"
)

// operation is one client request turned into a paxos.ChangeFunc.
type operation struct {
	kind opKind
	key  string
	val  int64  // write: the value; cas: the new value
	old  *int64 // cas: the expected value, nil = empty
}

func encodeValue(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

func decodeValue(b []byte) (*int64, error) {
	if b == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, errors.New("register: stored value " + strconv.Quote(string(b)) + " is not an int")
	}
	return &v, nil
}

func (op operation) change(cur []byte) ([]byte, error) {
	switch op.kind {
	case opRead:
		return cur, nil
	case opWrite:
		return encodeValue(op.val), nil
	}
	v, err := decodeValue(cur)
	if err != nil {
		return nil, err
	}
	if (v == nil) != (op.old == nil) || (v != nil && *v != *op.old) {
		return nil, ErrCASMismatch
	}
	return encodeValue(op.val), nil
}

// proposer runs operations over every node's acceptor (a
// nodeserver.Proposer), with the naive mode's local shortcuts.
type proposer struct {
	s *Server
	p *nodeserver.Proposer
}

func newProposer(s *Server, epoch uint64) *proposer {
	cfg := &s.cfg
	return &proposer{s: s, p: nodeserver.NewProposer(nodeserver.ProposerConfig{
		Name: "register", Node: cfg.ID, Epoch: epoch,
		Acceptors: nodeserver.Cluster{Self: cfg.ID, Local: s.acc, Remote: cfg.Transport},
		OpTimeout: cfg.OpTimeout, PeerTimeout: cfg.PeerTimeout, MaxAttempts: cfg.MaxAttempts,
	})}
}

// do runs op to completion and returns the value it saw (reads) or an
// *nodeserver.Error saying whether it definitely did not happen.
func (p *proposer) do(ctx context.Context, op operation) ([]byte, *nodeserver.Error) {
	naive := p.s.cfg.Mode == paxos.ModeNaive
	if naive && op.kind == opRead {
		v, err := p.s.acc.value(op.key)
		if err != nil {
			return nil, nodeserver.Definite(503, "register: read %q: local store: %v", op.key, err)
		}
		return v, nil
	}
	o := nodeserver.Op{Kind: string(op.kind), Key: op.key, IDs: p.s.cfg.ids, ReadOnly: op.kind == opRead, Change: op.change}
	if naive {
		o.NewRound = func(key string, b paxos.Ballot, n int, f paxos.ChangeFunc) (*paxos.Round, *nodeserver.Error) {
			local, err := p.s.acc.value(key)
			if err != nil {
				return nil, nodeserver.Definite(503, "register: %s %q: local store: %v", op.kind, op.key, err)
			}
			return paxos.NewNaiveRound(key, b, n, f, local), nil
		}
	}
	return p.p.Do(ctx, o)
}
