package cli

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/builtin"
)

// A binary that registers a target twice, or one that serves a workload
// nobody registered, is refused before any command runs.
func TestProgramRefusesMalformedRegistrations(t *testing.T) {
	dup := builtin.Targets[0]
	orphan := builtin.Targets[0]
	orphan.Name = "orphan"
	orphan.Workloads = []string{"no-such-workload"}
	for name, p := range map[string]Program{
		"twice":  {Targets: []targets.Target{dup}},
		"orphan": {Targets: []targets.Target{orphan}},
	} {
		var out, errs bytes.Buffer
		if code := p.Main([]string{"list"}, &out, &errs); code != exitcode.Harness {
			t.Errorf("%s: exit %d, want %d", name, code, exitcode.Harness)
		}
		if msg := errs.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, dup.Name) && !strings.Contains(msg, "orphan") {
			t.Errorf("%s: stderr %q, want one line naming the target", name, msg)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout %q, want nothing", name, out.String())
		}
	}
}

// faultline plan --target plans for that target: one that says which nodes
// lead may have its primaries isolated, the same seed for a target that
// cannot tell never does, and an unknown target is bad input.
func TestPlanForATargetWithPrimaries(t *testing.T) {
	leads := builtin.Targets[0]
	leads.Name = "leads"
	leads.Supports.Primaries = true
	p := Program{Targets: []targets.Target{leads}}
	plan := func(target string, seed int) (string, int) {
		var out, errs bytes.Buffer
		code := p.Main([]string{"plan", "--target", target, "--seed", strconv.Itoa(seed), "--nemesis", "partition",
			"--time-limit", "120s", "--nemesis-interval", "5s"}, &out, &errs)
		if code != 0 {
			t.Logf("stderr: %s", errs.String())
		}
		return out.String(), code
	}
	found := false
	for seed := 1; seed <= 10 && !found; seed++ {
		withP, code := plan("leads", seed)
		if code != 0 {
			t.Fatalf("plan --target leads: exit %d", code)
		}
		without, _ := plan(builtin.Targets[0].Name, seed)
		if strings.Contains(without, "isolate-primaries") {
			t.Fatalf("seed %d: isolate-primaries planned for %s, which cannot tell its primaries:\n%s", seed, builtin.Targets[0].Name, without)
		}
		found = strings.Contains(withP, `"isolate-primaries"`)
	}
	if !found {
		t.Error("no plan of seeds 1-10 (12 partitions each) isolates the primaries of a target that says which they are")
	}
	if _, code := plan("no-such-target", 1); code != exitcode.BadInput {
		t.Errorf("unknown --target: exit %d, want %d", code, exitcode.BadInput)
	}
}
