package nodeserver

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets/paxos"
)

// ProposerConfig configures a Proposer.
type ProposerConfig struct {
	// Name is the target's name; it prefixes every error.
	Name string
	// Node is this node's id, in its ballots; Epoch is its durable boot
	// epoch (paxos.NewBallots), so no ballot is reused across restarts.
	Node  string
	Epoch uint64
	// Acceptors reaches every acceptor, this node's own included.
	Acceptors Acceptors
	// OpTimeout bounds one operation, retries included; PeerTimeout one
	// phase of one round; MaxAttempts the rounds of one operation.
	OpTimeout, PeerTimeout time.Duration
	MaxAttempts            int
	// NameAcceptors puts an operation's acceptors in its errors (kv: they
	// are the key's replicas, not the whole cluster).
	NameAcceptors bool
}

// Proposer runs client operations as CASPaxos rounds (paxos.Round), one
// at a time per key on this node, retrying a round that fails before its
// Accept was sent with a higher ballot after a randomised backoff. It is
// safe for concurrent use.
type Proposer struct {
	cfg ProposerConfig

	mu      sync.Mutex
	ballots *paxos.Ballots // unique across restarts thanks to the boot epoch

	// turns serialise this node's rounds on a key (striped), so that
	// concurrent clients of one node do not duel with each other.
	seed  maphash.Seed
	turns [512]chan struct{}
}

// NewProposer returns a proposer with cfg.
func NewProposer(cfg ProposerConfig) *Proposer {
	p := &Proposer{cfg: cfg, ballots: paxos.NewBallots(cfg.Node, cfg.Epoch), seed: maphash.MakeSeed()}
	for i := range p.turns {
		p.turns[i] = make(chan struct{}, 1)
	}
	return p
}

// Op is one client operation on one key.
type Op struct {
	// Kind (read, write, cas, ...) and Key name the operation in errors.
	Kind, Key string
	// PaxosKey is the acceptors' key (Key when empty).
	PaxosKey string
	// IDs are the key's acceptors.
	IDs []string
	// ReadOnly: a round that sent its Accept and failed changed nothing a
	// client can tell, so it is retried rather than indeterminate.
	ReadOnly bool
	// Above is a ballot the first round's ballot must exceed (zero: none).
	Above paxos.Ballot
	// Change is the operation as a paxos.ChangeFunc. An error wrapping
	// api.ErrMismatch is a cas mismatch (a definite 409).
	Change paxos.ChangeFunc
	// NewRound, when set, makes each attempt's round instead of
	// paxos.NewRound (the register's naive mode); its error ends the
	// operation.
	NewRound func(key string, b paxos.Ballot, n int, f paxos.ChangeFunc) (*paxos.Round, *Error)
}

func (op Op) paxosKey() string {
	if op.PaxosKey != "" {
		return op.PaxosKey
	}
	return op.Key
}

// Do runs op to completion and returns the value it saw (the current value
// for reads), or an *Error saying whether it definitely did not happen.
func (p *Proposer) Do(ctx context.Context, op Op) ([]byte, *Error) {
	cfg := &p.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.OpTimeout)
	defer cancel()
	key := op.paxosKey()
	turn := p.turns[maphash.String(p.seed, key)%uint64(len(p.turns))]
	select {
	case turn <- struct{}{}:
		defer func() { <-turn }()
	case <-ctx.Done():
		return nil, Definite(503, "%s: %s %q: timed out waiting for this node's previous round on the key", cfg.Name, op.Kind, op.Key)
	}
	to, of := "", ""
	if cfg.NameAcceptors {
		to, of = fmt.Sprintf(" to %v", op.IDs), fmt.Sprintf(" of %v", op.IDs)
	}
	io := RoundIO{IDs: op.IDs, Acceptors: cfg.Acceptors, Timeout: cfg.PeerTimeout, Detach: true}

	above := op.Above
	for attempt := 1; ; attempt++ {
		b := p.nextBallot(above)
		r, err := p.newRound(op, key, b)
		if err != nil {
			return nil, err
		}
		io.Run(ctx, r)
		switch r.Phase() {
		case paxos.Decided:
			return r.Current(), nil
		case paxos.Aborted:
			if errors.Is(r.Err(), api.ErrMismatch) {
				return nil, Definite(409, "%s: cas %q: current value %s does not match", cfg.Name, op.Key, showValue(r.Current()))
			}
			return nil, Definite(500, "%s: %s %q: %v", cfg.Name, op.Kind, op.Key, r.Err())
		}
		// Rejected, or stuck in a phase (acceptors unreachable or slow).
		if r.AcceptSent() && !op.ReadOnly {
			return nil, Indeterminate("%s: %s %q: ballot %v: accept sent%s but not acknowledged by a quorum (%s); it may have taken effect", cfg.Name, op.Kind, op.Key, b, to, r.Phase())
		}
		above = r.Highest()
		wait := Backoff(attempt)
		dl, _ := ctx.Deadline()
		if attempt >= cfg.MaxAttempts || time.Until(dl) < wait+cfg.PeerTimeout/4 {
			return nil, Definite(503, "%s: %s %q: no quorum%s after %d rounds (last ballot %v %s, highest seen %v)", cfg.Name, op.Kind, op.Key, of, attempt, b, r.Phase(), above)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, Definite(503, "%s: %s %q: deadline during backoff after %d rounds", cfg.Name, op.Kind, op.Key, attempt)
		}
	}
}

func (p *Proposer) newRound(op Op, key string, b paxos.Ballot) (*paxos.Round, *Error) {
	if op.NewRound != nil {
		return op.NewRound(key, b, len(op.IDs), op.Change)
	}
	return paxos.NewRound(key, b, len(op.IDs), op.Change), nil
}

func (p *Proposer) nextBallot(above paxos.Ballot) paxos.Ballot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ballots.Next(above)
}

// showValue is a stored value in an error: its bytes, or null.
func showValue(b []byte) string {
	if b == nil {
		return "null"
	}
	return string(b)
}

// Backoff is a randomised wait before retry n: up to 2ms * 2^n, capped.
func Backoff(n int) time.Duration {
	limit := 2 * time.Millisecond << min(n, 6)
	return time.Duration(rand.Int64N(int64(limit))) + time.Millisecond
}
