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
	},
}

// workloadInfo describes one workload and the checker model it uses.
type workloadInfo struct {
	name  string
	model string
	doc   string
}

var workloadsReg = map[string]workloadInfo{
	"register": {name: "register", model: "cas-register",
		doc: "many independent keys, read/write/cas mix with unique writes; checked for linearizability per key"},
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
