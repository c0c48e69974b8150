package nemesis

import (
	"context"
	"slices"

	"github.com/faultline/faultline/targets"
)

// IsolatePrimaries is the grudge kind that cuts the target's current
// primaries, each alone, off from every other node. The partition nemesis
// draws it among the others only when the target says which nodes lead
// (targets.Primaries); when it cannot tell at the time, the partition
// isolates one node at random instead.
const IsolatePrimaries = "isolate-primaries"

// kinds are the grudge kinds the partition nemesis draws from.
func (p *Partition) kinds() []string {
	ks := GrudgeKinds()
	if _, ok := p.env.Target.(targets.Primaries); ok {
		ks = append(ks, IsolatePrimaries)
	}
	return ks
}

// primariesGrudge isolates each of the target's primaries; nil when the
// target names none of the cluster's nodes, or when asking failed.
func (p *Partition) primariesGrudge(ctx context.Context) Grudge {
	t, ok := p.env.Target.(targets.Primaries)
	if !ok {
		return nil
	}
	ps, err := t.Primaries(ctx)
	if err != nil {
		return nil
	}
	var comps [][]string
	var rest []string
	for _, n := range p.env.Nodes {
		if slices.Contains(ps, n) {
			comps = append(comps, []string{n})
		} else {
			rest = append(rest, n)
		}
	}
	if len(comps) == 0 || len(rest) == 0 {
		return nil
	}
	return Complete(append(comps, rest))
}
