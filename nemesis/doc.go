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
//   - pause (pause.go): pause / resume (SIGSTOP / SIGCONT), through the
//     optional Pauser capability of Env.Target; refused (ErrUnsupported)
//     when the target lacks it. Its heal runs first.
//   - clock (clock.go): bump-clock / strobe-clock / reset-clock. Our node
//     daemon keeps time as the kernel clock plus an offset read from
//     ClockFile (/opt/faultline/clock, one JSON line {"offset_ns": N}; absent
//     means 0), which the nemesis writes atomically over SSH (temporary
//     file, then rename) and removes to reset. A strobe is the nemesis
//     rewriting the files every StrobePeriod for StrobeDuration. After each
//     op the nemesis reads every node's clock through the optional Clocker
//     capability of Env.Target and records the measured offsets
//     ({"set_ns": ..., "offsets_ns": ...}) for the plots; while a skew is
//     in place it also reads them every second (clock_sample.go) and the
//     next op's value carries those readings as "samples". A target
//     without Clocker is refused up front (ErrUnsupported).
//     System mode (clock_system.go; ClockOptions.Mode ClockModeSystem,
//     opt-in, for real VMs) steps the system clock instead, so any target
//     can take the skew: before a node's first step it stops whichever of
//     NTPUnits are active (systemctl, recording them), reads the node's
//     time with `date +%s.%N` and runs `sudo date -u -s @secs.nanos`; it
//     measures with `date +%s.%N` against the controller's time at the
//     middle of the round trip. Reset and Heal set every clock to the
//     controller's time and restart exactly the units stopped; Residue
//     names clocks more than Tolerance off the controller's. It is refused
//     (ErrUnsupported) when ClockOptions.SharedKernel is set, and when two
//     nodes report the same BootIDFile (CheckKernels): such nodes share
//     one kernel clock, the host's.
//
// Optional target capabilities are small interfaces found by type
// assertion on Env.Target: Pauser (Pause, Resume) and Clocker (ReadClock).
//
// Contract: Heal removes every fault of a family from every node, whoever
// caused it, and is idempotent. Compose heals in a fixed order (resume
// paused processes, heal the network, restart daemons); HealAll heals
// everything faultline could have left, also when no target is deployed
// (clock files are removed over SSH whatever the target); ResidueAll lists
// what is still there (firewall rules, clock offsets).
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
