package nemesis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// composed dispatches ops by F to its members.
type composed struct {
	members []Nemesis // in heal order
}

// Compose joins nemeses into one that handles the union of their Fs: each
// op goes to the first member listing its F. Heal heals every member, in
// the registry's heal order (resume paused processes, then the network, then
// restart crashed daemons), and returns all their errors joined.
func Compose(ns ...Nemesis) Nemesis {
	members := slices.Clone(ns)
	slices.SortStableFunc(members, func(a, b Nemesis) int {
		return cmp.Compare(healRank(a.Name()), healRank(b.Name()))
	})
	return &composed{members: members}
}

// Name joins the members' names with commas, as on the command line.
func (c *composed) Name() string {
	names := make([]string, len(c.members))
	for i, m := range c.members {
		names[i] = m.Name()
	}
	return strings.Join(names, ",")
}

// Fs is the union of the members' Fs.
func (c *composed) Fs() []string {
	var fs []string
	for _, m := range c.members {
		for _, f := range m.Fs() {
			if !slices.Contains(fs, f) {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// Invoke hands the op to the member that handles its F.
func (c *composed) Invoke(ctx context.Context, op history.Op) history.Op {
	for _, m := range c.members {
		if slices.Contains(m.Fs(), op.F) {
			return m.Invoke(ctx, op)
		}
	}
	return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: no nemesis of %q handles f %q", c.Name(), op.F))
}

// Heal heals every member in heal order, even after one fails.
func (c *composed) Heal(ctx context.Context) error {
	var errs []error
	for _, m := range c.members {
		if err := m.Heal(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// HealAll removes every fault faultline could have left on env's nodes,
// whoever caused it: it builds every registered nemesis that env supports
// and heals them in heal order (resume paused processes first). Nemeses
// that need a target capability are skipped when env.Target is nil or
// lacks it (nothing of theirs can be left: a process that cannot be paused
// was not paused); clock files are removed on every node regardless, since
// that needs only SSH.
func HealAll(ctx context.Context, env Env) error {
	ns, err := healers(env)
	if err != nil {
		return err
	}
	return Compose(ns...).Heal(ctx)
}

// healers builds one nemesis per registered family that can heal env.
func healers(env Env) ([]Nemesis, error) {
	var ns []Nemesis
	for _, e := range registry() {
		var (
			n   Nemesis
			err error
		)
		if e.healer != nil {
			n, err = e.healer(env)
		} else {
			n, err = e.make(env, rand.New(rand.NewPCG(0, 0)))
		}
		if errors.Is(err, ErrNoTarget) || errors.Is(err, ErrUnsupported) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("nemesis: heal all: %w", err)
		}
		ns = append(ns, n)
	}
	return ns, nil
}
