package nemesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/history"
)

// ErrNoTarget is returned by constructors of nemeses that act on the
// target's daemon (kill, ...) when Env.Target is nil.
var ErrNoTarget = errors.New("nemesis: no target daemon to act on")

// Kill crashes the target's daemon with kill -9 on some nodes (F kill) and
// starts it again (F start).
type Kill struct {
	env  Env
	proc Process

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// NewKill returns the kill nemesis; it refuses an Env without a Target.
func NewKill(env Env, rng *rand.Rand) (*Kill, error) {
	if env.Target == nil {
		return nil, fmt.Errorf("nemesis: kill: %w (the target has no process to kill)", ErrNoTarget)
	}
	proc, ok := env.Target.(Process)
	if !ok {
		return nil, fmt.Errorf("nemesis: kill: %w: target %T cannot kill and restart its process (it implements no Kill/Start)", ErrUnsupported, env.Target)
	}
	if rng == nil {
		return nil, errors.New("nemesis: kill: nil rng")
	}
	if len(env.Nodes) == 0 {
		return nil, errors.New("nemesis: kill: no nodes")
	}
	return &Kill{env: env, proc: proc, rng: rng}, nil
}

// Name is "kill".
func (k *Kill) Name() string { return "kill" }

// Fs are kill and start.
func (k *Kill) Fs() []string { return []string{"kill", "start"} }

// KillModes lists the subset modes a kill op's Value may name.
func KillModes() []string { return []string{"one", "minority", "majority", "all"} }

// Invoke kills (Value: null for "one" or "minority" drawn from the rng, a
// mode from KillModes, or an explicit list of nodes) or starts (Value: null
// for every node, or a list of nodes). Both complete with the list of
// nodes acted on; any node's error makes the op info.
func (k *Kill) Invoke(ctx context.Context, op history.Op) history.Op {
	var (
		nodes []string
		err   error
		act   func(context.Context, string) error
	)
	switch op.F {
	case "kill":
		nodes, err = k.killSet(op.Value)
		act = k.proc.Kill
	case "start":
		nodes, err = k.startSet(op.Value)
		act = k.proc.Start
	default:
		return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: kill does not handle f %q", op.F))
	}
	if err != nil {
		return op.Complete(history.Info, nil, err.Error())
	}
	if err := eachOf(nodes, func(n string) error { return act(ctx, n) }); err != nil {
		return op.Complete(history.Info, history.Raw(nodes), fmt.Sprintf("nemesis: %s: %v", op.F, err))
	}
	return op.Complete(history.OK, history.Raw(nodes), "")
}

// killSet decides which nodes a kill op hits, in node order.
func (k *Kill) killSet(v json.RawMessage) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		return k.explicit(v)
	}
	mode := ""
	if len(v) > 0 && string(v) != "null" {
		if err := json.Unmarshal(v, &mode); err != nil {
			return nil, fmt.Errorf("nemesis: kill value %s is neither a mode nor a list of nodes", v)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	n := len(k.env.Nodes)
	if mode == "" {
		mode = []string{"one", "minority"}[k.rng.IntN(2)]
	}
	var size int
	switch mode {
	case "one":
		size = 1
	case "minority":
		size = 1 + k.rng.IntN(max(1, (n-1)/2)) // 1 .. floor((n-1)/2), at least 1
	case "majority":
		size = n/2 + 1
	case "all":
		size = n
	default:
		return nil, fmt.Errorf("nemesis: kill mode %q unknown (known: %s)", mode, strings.Join(KillModes(), ", "))
	}
	picked := shuffled(k.rng, k.env.Nodes)[:min(size, n)]
	return inOrder(k.env.Nodes, picked), nil
}

// startSet decides which nodes a start op restarts: all, unless listed.
func (k *Kill) startSet(v json.RawMessage) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return slices.Clone(k.env.Nodes), nil
	}
	return k.explicit(v)
}

// explicit decodes a JSON list of node names and checks each is a node.
func (k *Kill) explicit(v json.RawMessage) ([]string, error) {
	var nodes []string
	if err := json.Unmarshal(v, &nodes); err != nil {
		return nil, fmt.Errorf("nemesis: value %s is not a list of nodes: %v", v, err)
	}
	for _, n := range nodes {
		if !slices.Contains(k.env.Nodes, n) {
			return nil, fmt.Errorf("nemesis: node %q is not in the cluster (%s)", n, strings.Join(k.env.Nodes, ", "))
		}
	}
	return inOrder(k.env.Nodes, nodes), nil
}

// Heal starts the daemon on every node (Start is a no-op where it runs).
func (k *Kill) Heal(ctx context.Context) error {
	if err := eachOf(k.env.Nodes, func(n string) error { return k.proc.Start(ctx, n) }); err != nil {
		return fmt.Errorf("nemesis: kill heal: %w", err)
	}
	return nil
}

// inOrder returns the members of subset in the order of all, without duplicates.
func inOrder(all, subset []string) []string {
	out := []string{}
	for _, n := range all {
		if slices.Contains(subset, n) {
			out = append(out, n)
		}
	}
	return out
}

// eachOf runs f on every node in parallel (so a kill lands on all of them
// at once) and joins the errors in node order, each naming its node.
func eachOf(nodes []string, f func(node string) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(n); err != nil {
				errs[i] = fmt.Errorf("node %q: %w", n, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
