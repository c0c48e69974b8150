package cli

import (
	"context"
	"errors"
	"sync"

	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/targets/deploy"
)

// healer removes every fault faultline could have left on the nodes, from
// any run: the nemeses' faults and stopped daemons. It is the preflight of
// every test and the body of `faultline cluster heal`.
type healer struct {
	env     nemesis.Env
	daemons []deploy.Daemon
}

// newHealer heals env's nodes and the named daemons (a target's, or every
// registered target's for cluster heal).
func newHealer(env nemesis.Env, daemons []deploy.Daemon) *healer {
	return &healer{env: env, daemons: daemons}
}

func (h *healer) Heal(ctx context.Context) error {
	// Resume first: a stopped process must never be left behind.
	errs := []error{h.each(func(node string) error {
		var errs []error
		for _, d := range h.daemons {
			_, err := d.Signal(ctx, h.env.Remotes[node], "CONT")
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})}
	errs = append(errs, nemesis.HealAll(ctx, h.env))
	return errors.Join(errs...)
}

// Preflight heals, then kills any target daemon a killed controller left
// running (by pidfile, after checking the pid is really the daemon's), so
// the next run starts from nothing.
func (h *healer) Preflight(ctx context.Context) error {
	if err := h.Heal(ctx); err != nil {
		return err
	}
	return h.each(func(node string) error {
		var errs []error
		for _, d := range h.daemons {
			errs = append(errs, d.Kill(ctx, h.env.Remotes[node]))
		}
		return errors.Join(errs...)
	})
}

func (h *healer) Residue(ctx context.Context) ([]string, error) {
	var mu sync.Mutex
	var res []string
	err := h.each(func(node string) error {
		var errs []error
		for _, d := range h.daemons {
			stopped, err := d.Stopped(ctx, h.env.Remotes[node])
			if stopped {
				mu.Lock()
				res = append(res, node+": "+d.Name+" is stopped")
				mu.Unlock()
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	r, err2 := nemesis.ResidueAll(ctx, h.env)
	return append(res, r...), errors.Join(err, err2)
}

func (h *healer) each(f func(node string) error) error {
	errs := make([]error, len(h.env.Nodes))
	var wg sync.WaitGroup
	for i, n := range h.env.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
