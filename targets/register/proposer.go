package register

import (
	"context"
	"errors"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

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

var errMismatch = errors.New("register: cas old value does not match")

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
		return nil, errMismatch
	}
	return encodeValue(op.val), nil
}

// proposer drives paxos.Rounds over the acceptors: the I/O shell of the
// proposer side.
type proposer struct {
	s *Server

	mu      sync.Mutex
	ballots *paxos.Ballots // unique across restarts thanks to the store's boot epoch

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

// do runs op to completion and returns the value it saw (reads) or an
// *opError saying whether it definitely did not happen.
func (p *proposer) do(ctx context.Context, op operation) ([]byte, error) {
	cfg := &p.s.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.OpTimeout)
	defer cancel()

	if cfg.Mode == paxos.ModeNaive && op.kind == opRead {
		v, err := p.s.acc.value(op.key)
		if err != nil {
			return nil, definite(503, "register: read %q: local store: %v", op.key, err)
		}
		return v, nil
	}

	turn := p.keyTurn[maphash.String(p.seed, op.key)%uint64(len(p.keyTurn))]
	select {
	case turn <- struct{}{}:
		defer func() { <-turn }()
	case <-ctx.Done():
		return nil, definite(503, "register: %s %q: timed out waiting for this node's previous round on the key", op.kind, op.key)
	}

	var above paxos.Ballot
	for attempt := 1; ; attempt++ {
		b := p.nextBallot(above)
		var r *paxos.Round
		if cfg.Mode == paxos.ModeNaive {
			local, err := p.s.acc.value(op.key)
			if err != nil {
				return nil, definite(503, "register: %s %q: local store: %v", op.kind, op.key, err)
			}
			r = paxos.NewNaiveRound(op.key, b, len(cfg.ids), op.change, local)
		} else {
			r = paxos.NewRound(op.key, b, len(cfg.ids), op.change)
		}
		p.run(ctx, r)
		switch r.Phase() {
		case paxos.Decided:
			return r.Current(), nil
		case paxos.Aborted:
			if errors.Is(r.Err(), errMismatch) {
				return nil, definite(409, "register: cas %q: current value %s does not match", op.key, showValue(r.Current()))
			}
			return nil, definite(500, "register: %s %q: %v", op.kind, op.key, r.Err())
		}
		// Rejected, or stuck in a phase (peers unreachable or slow).
		if r.AcceptSent() && op.kind != opRead {
			return nil, indeterminate("register: %s %q: ballot %v: accept sent but not acknowledged by a quorum (%s); it may have taken effect", op.kind, op.key, b, r.Phase())
		}
		above = r.Highest()
		wait := backoff(attempt)
		dl, _ := ctx.Deadline()
		if attempt >= cfg.MaxAttempts || time.Until(dl) < wait+cfg.PeerTimeout/4 {
			return nil, definite(503, "register: %s %q: no quorum after %d rounds (last ballot %v %s, highest seen %v)", op.kind, op.key, attempt, b, r.Phase(), above)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, definite(503, "register: %s %q: deadline during backoff after %d rounds", op.kind, op.key, attempt)
		}
	}
}

func showValue(b []byte) string {
	if b == nil {
		return "null"
	}
	return string(b)
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

// run drives one round through both phases until it ends, the peer timeout
// passes in a phase, every peer has answered, or ctx is done.
func (p *proposer) run(ctx context.Context, r *paxos.Round) {
	prep := r.Prepare()
	p.phase(ctx, func(id string, pctx context.Context) peerReply {
		pr, err := p.s.prepareOn(pctx, id, prep)
		return peerReply{from: id, promise: pr, err: err}
	}, func(rep peerReply) bool { return r.OnPromise(rep.from, rep.promise) })
	if r.Phase() != paxos.Accepting {
		return
	}
	acc := r.Accept() // marks the round AcceptSent before anything leaves
	p.phase(ctx, func(id string, pctx context.Context) peerReply {
		a, err := p.s.acceptOn(pctx, id, acc)
		return peerReply{from: id, accepted: a, err: err}
	}, func(rep peerReply) bool { return r.OnAccepted(rep.from, rep.accepted) })
}

func (p *proposer) phase(ctx context.Context, send func(string, context.Context) peerReply, deliver func(peerReply) bool) {
	ids := p.s.cfg.ids
	ch := make(chan peerReply, len(ids))
	// Requests outlive the phase (until the peer timeout) so that slow
	// acceptors still learn accepted values; their replies are dropped.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.s.cfg.PeerTimeout)
	var wg sync.WaitGroup
	for _, id := range ids {
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
	for got := 0; got < len(ids); {
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
