package cli

import (
	"fmt"
	"sort"
	"strings"
)

// targetInfo describes one target: its modes (the first is the default)
// and the workloads it supports.
type targetInfo struct {
	name      string
	role      string // faultline-node role
	modes     []string
	modeDoc   map[string]string
	workloads []string
	doc       string
	// build deploys nothing yet: it makes the target's run.Target and
	// process control for the nodes of b.
	build func(b *buildEnv) (*builtTarget, error)
}

var targets = map[string]targetInfo{
	"register": {
		name:  "register",
		role:  "register",
		modes: []string{"paxos", "naive"},
		modeDoc: map[string]string{
			"paxos": "per-key CASPaxos; reads are Paxos rounds; linearizable under every fault",
			"naive": "the textbook mistake: promises carry no value, reads served locally; NOT linearizable (must be caught)",
		},
		workloads: []string{"register"},
		doc:       "keyed read/write/cas registers on our own faultline-node daemon",
		build:     nodeDaemon("register"),
	},
	"kv": {
		name:  "kv",
		role:  "kv",
		modes: []string{"serial", "quorum", "all", "one", "one-no-repair"},
		modeDoc: map[string]string{
			"serial":        "a Paxos round per op among the key's 3 replicas; linearizable, converges",
			"quorum":        "R=W=2 of 3, last-write-wins on the node clock, read repair; NOT linearizable (caught under clock skew), converges",
			"all":           "W=3, R=1, last-write-wins; not linearizable, converges",
			"one":           "one replica acks; anti-entropy and read repair converge later; NOT linearizable, converges",
			"one-no-repair": "as one, with anti-entropy and read repair off; does NOT converge (caught by the convergence checker)",
		},
		workloads: []string{"kv", "set"},
		doc:       "a Dynamo-style store (consistent hashing, 3 replicas per key) with tunable consistency",
		build:     nodeDaemon("kv"),
	},
	"queue": {
		name:  "queue",
		role:  "queue",
		modes: []string{"paxos", "async-ack"},
		modeDoc: map[string]string{
			"paxos":     "FIFO queue on a log of Paxos slots; acked once decided and durable; nothing lost or duplicated",
			"async-ack": "enqueues acked once buffered in memory and proposed later; loses messages under kill (must be caught)",
		},
		workloads: []string{"queue"},
		doc:       "a replicated FIFO queue on our own faultline-node daemon",
		build:     nodeDaemon("queue"),
	},
	"etcd": {
		name:  "etcd",
		role:  "",
		modes: []string{"linearizable", "serializable"},
		modeDoc: map[string]string{
			"linearizable": "etcd (Debian's etcd-server binary, 5 members), linearizable reads; linearizable under every fault",
			"serializable": "reads served from any member's local state; NOT linearizable: stale reads under partition (must be caught)",
		},
		workloads: []string{"register"},
		doc:       "etcd, third party: register over the v3 JSON gateway, cas as a transaction (--etcd-binary to pick the binary)",
		build:     buildEtcd,
	},
}

// workloadInfo describes one workload and the checker model it uses.
type workloadInfo struct {
	name  string
	model string // checker model (timeline, analyze)
	doc   string
	// build makes the generator, clients, checkers and final phase.
	build func(b *buildEnv, t *builtTarget) (*builtWorkload, error)
}

var workloadsReg = map[string]workloadInfo{
	"register": {name: "register", model: "cas-register",
		doc:   "many independent keys, read/write/cas mix with unique writes; checked for linearizability per key",
		build: buildRegisterWorkload},
	"kv": {name: "kv", model: "cas-register",
		doc:   "independent keys, read/write (and cas in serial mode); linearizability per key, stale-read count, then a final read of every key on every node for convergence",
		build: buildKVWorkload},
	"set": {name: "set", model: "",
		doc:   "adds of unique elements to a few sets, and reads; set-full analysis (lost, stale) and convergence of the final reads",
		build: buildSetWorkload},
	"queue": {name: "queue", model: "queue",
		doc:   "enqueues of unique values and dequeues on every node, then a drain; checked for loss and duplication (total-queue) and FIFO linearizability where small enough",
		build: buildQueueWorkload},
}

func targetNames() []string {
	s := make([]string, 0, len(targets))
	for k := range targets {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func workloadNames() []string {
	s := make([]string, 0, len(workloadsReg))
	for k := range workloadsReg {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// resolveTarget validates --target, --mode and --workload together.
func resolveTarget(target, mode, workload string) (targetInfo, string, workloadInfo, error) {
	ti, ok := targets[target]
	if !ok {
		return ti, "", workloadInfo{}, badInput("--target %q is unknown (known: %s)", target, strings.Join(targetNames(), ", "))
	}
	if mode == "" {
		mode = ti.modes[0]
	}
	found := false
	for _, m := range ti.modes {
		found = found || m == mode
	}
	if !found {
		return ti, "", workloadInfo{}, badInput("--mode %q is not a mode of target %s (modes: %s)", mode, target, strings.Join(ti.modes, ", "))
	}
	if workload == "" {
		workload = ti.workloads[0]
	}
	wi, ok := workloadsReg[workload]
	if !ok {
		return ti, "", wi, badInput("--workload %q is unknown (known: %s)", workload, strings.Join(workloadNames(), ", "))
	}
	found = false
	for _, w := range ti.workloads {
		found = found || w == workload
	}
	if !found {
		return ti, "", wi, badInput("--workload %s does not run on target %s (it supports: %s)", workload, target, strings.Join(ti.workloads, ", "))
	}
	return ti, mode, wi, nil
}

func describeTarget(t targetInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", t.name, t.doc)
	for i, m := range t.modes {
		def := ""
		if i == 0 {
			def = " (default)"
		}
		fmt.Fprintf(&b, "    --mode %s%s: %s\n", m, def, t.modeDoc[m])
	}
	return b.String()
}
