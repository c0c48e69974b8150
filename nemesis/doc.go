// Package nemesis injects faults into a cluster and removes them.
//
// A Nemesis (nemesis.go) takes a nemesis invoke op and returns its
// completion, like a client: ok with the fault as data in Value, or info
// with Error when the fault could not be applied or verified. Faults are data
// first, effects second: a partition is a Grudge (grudge.go, pure: halves,
// random-halves, isolate-one, majorities-ring, bridge), chosen from the
// nemesis's seeded rng, recorded in the op, and only then applied.
//
// Families, each one file plus one line in registry.go:
//   - partition (partition.go): start-partition / stop-partition, with
//     iptables in the chain FAULTLINE, which faultline owns; INPUT gets one
//     jump to it. Rules only ever drop other nodes' addresses, so the
//     controller's SSH is never cut; nothing outside the chain is flushed. A
//     start is verified by listing the chain on every node and by a TCP probe
//     across one cut pair.
//   - kill (kill.go): kill / start, through the target's Process.
//
// Contract: Heal removes every fault of a family from every node, whoever
// caused it, and is idempotent. Compose heals in a fixed order (resume
// paused processes, heal the network, restart daemons); HealAll heals
// everything faultline could have left, also when no target is deployed.
// Plan (schedule.go) is the seeded fault schedule, pure and printable
// before a run. The package has no globals besides its sentinel errors;
// all randomness comes from the rng passed in.
//
//	n, err := nemesis.New("partition", env, rand.New(rand.NewPCG(seed, 0)))
//	for _, s := range nemesis.Plan(seed, []string{"partition", "kill"}, 10*time.Second, 5*time.Minute) {
//		// at s.At: done := n.Invoke(ctx, s.Op)
//	}
//	defer nemesis.Compose(n).Heal(ctx)
package nemesis
