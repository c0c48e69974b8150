package nemesis

import (
	"context"
	"errors"
)

// Residuer is implemented by nemeses that can list the faults of their
// family still present on the nodes (partition: firewall rules; clock:
// non-zero clock files). Paused and crashed processes are the target's to
// report (run.Target.Residue).
type Residuer interface {
	Residue(ctx context.Context) ([]string, error)
}

// ResidueAll lists what every registered family that env supports left on
// env's nodes, in heal order; nil means clean. Teardown calls it after
// HealAll to prove nothing was left.
func ResidueAll(ctx context.Context, env Env) ([]string, error) {
	ns, err := healers(env)
	if err != nil {
		return nil, err
	}
	var (
		out  []string
		errs []error
	)
	for _, n := range Compose(ns...).(*composed).members {
		r, ok := n.(Residuer)
		if !ok {
			continue
		}
		found, err := r.Residue(ctx)
		out = append(out, found...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
