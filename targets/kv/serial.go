package kv

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// The serial mode's replication (serial, below): its operations, its
// acceptor, and the repair rounds that follow anti-entropy.

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
		return nil, ErrCASMismatch
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

// serial is the serial mode's replication: every operation on a key is a
// CASPaxos round among the key's replicas (a nodeserver.Proposer), driven
// by whichever node got the request. Values are stored as acceptor
// states (KindPaxos); a kv value is its decimal int, a set its JSON list.
type serial struct {
	s *Server
	p *nodeserver.Proposer
}

func newSerial(s *Server) *serial {
	cfg := &s.cfg
	return &serial{s: s, p: nodeserver.NewProposer(nodeserver.ProposerConfig{
		Name: "kv", Node: cfg.ID, Epoch: s.store.Epoch(),
		Acceptors: nodeserver.Cluster{Self: cfg.ID, Local: acceptor{s.store}, Remote: cfg.Transport},
		OpTimeout: cfg.OpTimeout, PeerTimeout: cfg.PeerTimeout, MaxAttempts: cfg.MaxAttempts,
		NameAcceptors: true,
	})}
}

// do runs op to completion and returns the value it saw (the current value
// for reads).
func (r *serial) do(ctx context.Context, op serialOp) ([]byte, *nodeserver.Error) {
	return r.p.Do(ctx, nodeserver.Op{
		Kind: string(op.kind), Key: op.key, PaxosKey: op.paxosKey(), IDs: r.s.replicas(op.key),
		ReadOnly: op.kind == opRead || op.kind == opSetRead, Above: op.above, Change: op.change,
	})
}

func (r *serial) read(ctx context.Context, ref EntryRef) (Entry, *nodeserver.Error) {
	op := serialOp{kind: opRead, key: ref.Key}
	if ref.Kind == KindSet {
		op.kind = opSetRead
	}
	v, err := r.do(ctx, op)
	if err != nil {
		return Entry{}, err
	}
	return decodeEntry(ref, v)
}

func (r *serial) write(ctx context.Context, ref EntryRef, v int64) *nodeserver.Error {
	op := serialOp{kind: opWrite, key: ref.Key, val: v}
	if ref.Kind == KindSet {
		op.kind = opAdd
	}
	_, err := r.do(ctx, op)
	return err
}

func (r *serial) cas(ctx context.Context, key string, old *int64, new int64) *nodeserver.Error {
	_, err := r.do(ctx, serialOp{kind: opCAS, key: key, val: new, old: old})
	return err
}

func (r *serial) local(ref EntryRef) (Entry, *nodeserver.Error) {
	e, err := r.s.store.Get(KindPaxos, paxosKey(ref.Kind, ref.Key))
	if err != nil {
		return Entry{}, localError(ref, err)
	}
	if !e.Found {
		return Entry{Kind: ref.Kind, Key: ref.Key}, nil
	}
	out, derr := decodeEntry(ref, e.State.Value)
	if derr == nil && out.Version != nil {
		out.Version.TS, out.Version.Node = int64(e.State.Accepted.Counter), e.State.Accepted.Node
	}
	return out, derr
}

// decodeEntry is a decided (or accepted) value as the Entry of ref.
func decodeEntry(ref EntryRef, v []byte) (Entry, *nodeserver.Error) {
	e := Entry{Kind: ref.Kind, Key: ref.Key, Found: true}
	if ref.Kind == KindSet {
		elems, err := decodeSet(v)
		if err != nil {
			return Entry{}, nodeserver.Indeterminate("%v", err)
		}
		e.Elements = elems
		return e, nil
	}
	n, err := decodeInt(v)
	if err != nil {
		return Entry{}, nodeserver.Indeterminate("%v", err)
	}
	e.Version = &Version{Value: n}
	return e, nil
}

func (r *serial) kinds() []Kind { return []Kind{KindPaxos} }

// reconcile runs a repair round for every merge that left the replicas
// differing (repairOp), one at a time, each bounded by the op timeout; a
// failed one is retried by a later exchange.
func (r *serial) reconcile(ctx context.Context, merges []merge) {
	var ops []serialOp
	for _, m := range merges {
		if op, ok := repairOp(m.mine, m.theirs); ok {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		if ctx.Err() != nil {
			return
		}
		if _, err := r.do(ctx, op); err != nil {
			r.s.log.Debug("kv: repair round failed", "key", op.key, "err", err)
		}
	}
}

// repairOp decides whether a serial-mode key needs a repair round: the
// peer's accepted state could not be merged as a late Accept because this
// acceptor has since promised a higher ballot (a prepare whose round never
// finished), so the two replicas would differ forever. A read round with a
// ballot above both promises writes the chosen value to every replica that
// answers, under a fresh ballot: replicas then agree, and the value is the
// one any read would have returned, so nothing changes for clients.
func repairOp(mine, theirs Entry) (serialOp, bool) {
	if mine.Kind != KindPaxos || mine.State == nil || theirs.State == nil {
		return serialOp{}, false
	}
	if mine.State.Accepted == theirs.State.Accepted {
		return serialOp{}, false
	}
	kind, key, ok := cutPaxosKey(mine.Key)
	if !ok {
		return serialOp{}, false
	}
	op := serialOp{kind: opRead, key: key, above: mine.State.Promised.Max(theirs.State.Promised)}
	if kind == KindSet {
		op.kind = opSetRead
	}
	return op, true
}
