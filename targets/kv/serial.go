package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// Serial mode: every operation on a key is a CASPaxos round (targets/paxos)
// among the key's replicas, driven by whichever node got the request.

type opKind string

const (
	opRead    opKind = "read"
	opWrite   opKind = "write"
	opCAS     opKind = "cas"
	opAdd     opKind = "add"
	opSetRead opKind = "set-read"
)

// serialOp is one client request turned into a paxos.ChangeFunc.
type serialOp struct {
	kind opKind
	key  string
	val  int64  // write: the value; cas: the new value; add: the element
	old  *int64 // cas: the expected value, nil = none
	// above, when set, is a ballot the round's first ballot must exceed
	// (anti-entropy's repair rounds start above every promise they saw).
	above paxos.Ballot
}

// errMismatch aborts a cas round (the proposer answers 409).
var errMismatch = fmt.Errorf("kv: cas old value does not match: %w", api.ErrMismatch)

func (op serialOp) paxosKey() string {
	if op.kind == opAdd || op.kind == opSetRead {
		return paxosKey(KindSet, op.key)
	}
	return paxosKey(KindKV, op.key)
}

func (op serialOp) change(cur []byte) ([]byte, error) {
	switch op.kind {
	case opRead, opSetRead:
		return cur, nil
	case opWrite:
		return strconv.AppendInt(nil, op.val, 10), nil
	case opAdd:
		elems, err := decodeSet(cur)
		if err != nil {
			return nil, err
		}
		if _, found := slices.BinarySearch(elems, op.val); found && cur != nil {
			return cur, nil
		}
		return json.Marshal(union(elems, []int64{op.val}))
	}
	v, err := decodeInt(cur)
	if err != nil {
		return nil, err
	}
	if (v == nil) != (op.old == nil) || (v != nil && *v != *op.old) {
		return nil, errMismatch
	}
	return strconv.AppendInt(nil, op.val, 10), nil
}

func decodeInt(b []byte) (*int64, error) {
	if b == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("kv: stored value %q is not an int", b)
	}
	return &v, nil
}

func decodeSet(b []byte) ([]int64, error) {
	if b == nil {
		return nil, nil
	}
	var elems []int64
	if err := json.Unmarshal(b, &elems); err != nil {
		return nil, fmt.Errorf("kv: stored set %q is not a list of ints", b)
	}
	return elems, nil
}

// --- acceptor side ---

// acceptor is this node's CASPaxos acceptor (a nodeserver.LocalAcceptor):
// each step runs under the key's lock in the store, which makes a changed
// state durable before the step returns.
type acceptor struct{ store *Store }

func (a acceptor) Prepare(m paxos.Prepare) (paxos.Promise, error) {
	var reply paxos.Promise
	err := a.store.StepPaxos(m.Key, func(st paxos.State) (paxos.State, bool) {
		next, r, changed := st.OnPrepare(m.Ballot, paxos.ModePaxos)
		reply = r
		return next, changed
	})
	return reply, err // the store made a changed state durable first
}

func (a acceptor) Accept(m paxos.Accept) (paxos.Accepted, error) {
	var reply paxos.Accepted
	err := a.store.StepPaxos(m.Key, func(st paxos.State) (paxos.State, bool) {
		next, r, changed := st.OnAccept(m.Ballot, m.Value)
		reply = r
		return next, changed
	})
	return reply, err
}

// --- proposer side ---

// proposer drives paxos.Rounds over a key's replicas (a
// nodeserver.Proposer).
type proposer struct {
	s *Server
	p *nodeserver.Proposer
}

func newProposer(s *Server, epoch uint64) *proposer {
	cfg := &s.cfg
	return &proposer{s: s, p: nodeserver.NewProposer(nodeserver.ProposerConfig{
		Name: "kv", Node: cfg.ID, Epoch: epoch,
		Acceptors: nodeserver.Cluster{Self: cfg.ID, Local: acceptor{s.store}, Remote: cfg.Transport},
		OpTimeout: cfg.OpTimeout, PeerTimeout: cfg.PeerTimeout, MaxAttempts: cfg.MaxAttempts,
		NameAcceptors: true,
	})}
}

// do runs op to completion and returns the value it saw (the current value
// for reads).
func (p *proposer) do(ctx context.Context, op serialOp) ([]byte, *nodeserver.Error) {
	return p.p.Do(ctx, nodeserver.Op{
		Kind: string(op.kind), Key: op.key, PaxosKey: op.paxosKey(), IDs: p.s.replicas(op.key),
		ReadOnly: op.kind == opRead || op.kind == opSetRead, Above: op.above, Change: op.change,
	})
}
