package nemesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// ErrUnsupported is wrapped by constructor errors of nemeses whose fault
// cannot take effect on the target (e.g. offset-clock skew on a target that
// does not read the faultline clock file). A fault is refused up front,
// never silently skipped.
var ErrUnsupported = errors.New("nemesis: fault not supported by the target")

// Pauser is the optional capability of a target (found by type assertion on
// Env.Target) to freeze its daemon on a node: SIGSTOP and SIGCONT.
// deploy.NodeDaemon implements it.
type Pauser = targets.Pauser

// Pause freezes the target's daemon on some nodes (F pause) and resumes it
// (F resume). A paused process keeps its sockets open but answers nothing:
// the fault that exposes timeouts mistaken for failures and leases that
// outlive their holder.
type Pause struct {
	env Env
	p   Pauser

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// NewPause returns the pause nemesis. It refuses an Env without a Target
// (ErrNoTarget) and a Target that is not a Pauser (ErrUnsupported).
func NewPause(env Env, rng *rand.Rand) (*Pause, error) {
	if env.Target == nil {
		return nil, fmt.Errorf("nemesis: pause: %w (the target has no process to pause)", ErrNoTarget)
	}
	p, ok := env.Target.(Pauser)
	if !ok {
		return nil, fmt.Errorf("nemesis: pause: %w: target %T cannot pause its process (it implements no Pause/Resume)", ErrUnsupported, env.Target)
	}
	if rng == nil {
		return nil, errors.New("nemesis: pause: nil rng")
	}
	if len(env.Nodes) == 0 {
		return nil, errors.New("nemesis: pause: no nodes")
	}
	return &Pause{env: env, p: p, rng: rng}, nil
}

// Name is "pause".
func (p *Pause) Name() string { return "pause" }

// Fs are pause and resume.
func (p *Pause) Fs() []string { return []string{"pause", "resume"} }

// Invoke pauses (Value: null for "one" or "minority" drawn from the rng, a
// mode from SubsetModes, or a list of nodes) or resumes (Value: null for
// every node, or a list of nodes). Both complete with the list of nodes
// acted on; any node's error makes the op info.
func (p *Pause) Invoke(ctx context.Context, op history.Op) history.Op {
	var (
		nodes []string
		err   error
		act   func(context.Context, string) error
	)
	switch op.F {
	case "pause":
		nodes, err = p.pauseSet(op)
		act = p.p.Pause
	case "resume":
		nodes, _, err = subsetValue(op.Value, p.env.Nodes)
		if err == nil && nodes == nil {
			nodes = slices.Clone(p.env.Nodes)
		}
		act = p.p.Resume
	default:
		return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: pause does not handle f %q", op.F))
	}
	if err != nil {
		return op.Complete(history.Info, nil, err.Error())
	}
	if err := eachOf(nodes, func(n string) error { return act(ctx, n) }); err != nil {
		return op.Complete(history.Info, history.Raw(nodes), fmt.Sprintf("nemesis: %s: %v", op.F, err))
	}
	return op.Complete(history.OK, history.Raw(nodes), "")
}

func (p *Pause) pauseSet(op history.Op) ([]string, error) {
	nodes, mode, err := subsetValue(op.Value, p.env.Nodes)
	if err != nil || nodes != nil {
		return nodes, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return pickSubset(p.rng, p.env.Nodes, mode)
}

// Heal resumes the daemon on every node. It runs first in Compose and
// HealAll: a stopped process would make every later heal step (a restart,
// a clock reset it must read) wait on a process that cannot answer.
func (p *Pause) Heal(ctx context.Context) error {
	if err := eachOf(p.env.Nodes, func(n string) error { return p.p.Resume(ctx, n) }); err != nil {
		return fmt.Errorf("nemesis: pause heal: %w", err)
	}
	return nil
}
