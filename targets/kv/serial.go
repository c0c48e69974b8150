package kv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

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

var errMismatch = errors.New("kv: cas old value does not match")

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

func showValue(b []byte) string {
	if b == nil {
		return "null"
	}
	return string(b)
}

// --- acceptor side ---

func (s *Server) prepareLocal(m paxos.Prepare) (paxos.Promise, error) {
	var reply paxos.Promise
	err := s.store.StepPaxos(m.Key, func(st paxos.State) (paxos.State, bool) {
		next, r, changed := st.OnPrepare(m.Ballot, paxos.ModePaxos)
		reply = r
		return next, changed
	})
	return reply, err // the store made a changed state durable first
}

func (s *Server) acceptLocal(m paxos.Accept) (paxos.Accepted, error) {
	var reply paxos.Accepted
	err := s.store.StepPaxos(m.Key, func(st paxos.State) (paxos.State, bool) {
		next, r, changed := st.OnAccept(m.Ballot, m.Value)
		reply = r
		return next, changed
	})
	return reply, err
}

func (s *Server) prepareOn(ctx context.Context, id string, m paxos.Prepare) (paxos.Promise, error) {
	if id == s.cfg.ID {
		return s.prepareLocal(m)
	}
	return s.cfg.Transport.Prepare(ctx, id, m)
}

func (s *Server) acceptOn(ctx context.Context, id string, m paxos.Accept) (paxos.Accepted, error) {
	if id == s.cfg.ID {
		return s.acceptLocal(m)
	}
	return s.cfg.Transport.Accept(ctx, id, m)
}

// --- proposer side ---

// proposer drives paxos.Rounds over a key's replicas.
type proposer struct {
	s *Server

	mu      sync.Mutex
	ballots *paxos.Ballots // unique across restarts: the store's boot epoch is in every counter

	// keyTurn serialises this node's rounds on a key (striped), so that
	// concurrent clients of one node do not duel with each other.
	seed    maphash.Seed
	keyTurn [512]chan struct{}
}

func newProposer(s *Server, epoch uint64) *proposer {
	p := &proposer{s: s, ballots: paxos.NewBallots(s.cfg.ID, epoch), seed: maphash.MakeSeed()}
	for i := range p.keyTurn {
		p.keyTurn[i] = make(chan struct{}, 1)
	}
	return p
}

func (p *proposer) nextBallot(above paxos.Ballot) paxos.Ballot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ballots.Next(above)
}

// do runs op to completion and returns the value it saw (the current value
// for reads).
func (p *proposer) do(ctx context.Context, op serialOp) ([]byte, *opError) {
	cfg := &p.s.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.OpTimeout)
	defer cancel()
	key := op.paxosKey()
	reps := p.s.replicas(op.key)

	turn := p.keyTurn[maphash.String(p.seed, key)%uint64(len(p.keyTurn))]
	select {
	case turn <- struct{}{}:
		defer func() { <-turn }()
	case <-ctx.Done():
		return nil, definite(503, "kv: %s %q: timed out waiting for this node's previous round on the key", op.kind, op.key)
	}

	above := op.above
	for attempt := 1; ; attempt++ {
		b := p.nextBallot(above)
		r := paxos.NewRound(key, b, len(reps), op.change)
		p.run(ctx, r, reps)
		switch r.Phase() {
		case paxos.Decided:
			return r.Current(), nil
		case paxos.Aborted:
			if errors.Is(r.Err(), errMismatch) {
				return nil, definite(409, "kv: cas %q: current value %s does not match", op.key, showValue(r.Current()))
			}
			return nil, definite(500, "kv: %s %q: %v", op.kind, op.key, r.Err())
		}
		readOnly := op.kind == opRead || op.kind == opSetRead
		if r.AcceptSent() && !readOnly {
			return nil, indeterminate("kv: %s %q: ballot %v: accept sent to %v but not acknowledged by a quorum (%s); it may have taken effect", op.kind, op.key, b, reps, r.Phase())
		}
		above = r.Highest()
		wait := backoff(attempt)
		dl, _ := ctx.Deadline()
		if attempt >= cfg.MaxAttempts || time.Until(dl) < wait+cfg.PeerTimeout/4 {
			return nil, definite(503, "kv: %s %q: no quorum of %v after %d rounds (last ballot %v %s, highest seen %v)", op.kind, op.key, reps, attempt, b, r.Phase(), above)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, definite(503, "kv: %s %q: deadline during backoff after %d rounds", op.kind, op.key, attempt)
		}
	}
}

// backoff is a randomised wait before retry n: up to 2ms * 2^n, capped.
func backoff(n int) time.Duration {
	limit := 2 * time.Millisecond << min(n, 6)
	return time.Duration(rand.Int64N(int64(limit))) + time.Millisecond
}

type peerReply struct {
	from     string
	promise  paxos.Promise
	accepted paxos.Accepted
	err      error
}

// run drives one round through both phases until it ends, a phase's peer
// timeout passes, every replica answered, or ctx is done.
func (p *proposer) run(ctx context.Context, r *paxos.Round, reps []string) {
	prep := r.Prepare()
	p.phase(ctx, reps, func(id string, pctx context.Context) peerReply {
		pr, err := p.s.prepareOn(pctx, id, prep)
		return peerReply{from: id, promise: pr, err: err}
	}, func(rep peerReply) bool { return r.OnPromise(rep.from, rep.promise) })
	if r.Phase() != paxos.Accepting {
		return
	}
	acc := r.Accept() // marks the round AcceptSent before anything leaves
	p.phase(ctx, reps, func(id string, pctx context.Context) peerReply {
		a, err := p.s.acceptOn(pctx, id, acc)
		return peerReply{from: id, accepted: a, err: err}
	}, func(rep peerReply) bool { return r.OnAccepted(rep.from, rep.accepted) })
}

func (p *proposer) phase(ctx context.Context, reps []string, send func(string, context.Context) peerReply, deliver func(peerReply) bool) {
	ch := make(chan peerReply, len(reps))
	// Requests outlive the phase (until the peer timeout) so that slow
	// acceptors still learn accepted values; their replies are dropped.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.s.cfg.PeerTimeout)
	var wg sync.WaitGroup
	for _, id := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch <- send(id, pctx)
		}()
	}
	go func() {
		wg.Wait()
		cancel()
	}()
	timer := time.NewTimer(p.s.cfg.PeerTimeout)
	defer timer.Stop()
	for got := 0; got < len(reps); {
		select {
		case rep := <-ch:
			got++
			if rep.err != nil {
				continue
			}
			if deliver(rep) {
				return
			}
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
