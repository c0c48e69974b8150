package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/faultline/faultline/targets/builtin"
	"github.com/faultline/faultline/targets/kv"
)

// TestDefaultModesAgree: the daemon's default mode of every role is the
// default the target declares, the one `faultline test` deploys when no
// --mode is given. (kv once defaulted to quorum here and to serial in the
// CLI.)
func TestDefaultModesAgree(t *testing.T) {
	served := 0
	for _, tt := range builtin.Targets {
		if _, ok := roles[tt.Name]; !ok {
			continue
		}
		served++
		o, _, err := parseFlags([]string{"--role", tt.Name, "--id", "n1"})
		if err != nil {
			t.Fatalf("--role %s: %v", tt.Name, err)
		}
		if want := tt.Modes.Default().Name; o.Mode != want {
			t.Errorf("faultline-node --role %s defaults to --mode %s; the target declares %s", tt.Name, o.Mode, want)
		}
	}
	if served == 0 {
		t.Fatal("no built-in target is served by the daemon")
	}
	if m, err := kv.ParseMode(""); err != nil || string(m) != kv.Target.Modes.Default().Name {
		t.Errorf(`kv.ParseMode("") = %q, %v; want the declared default %q`, m, err, kv.Target.Modes.Default().Name)
	}
}

// TestDaemonDeps: the node daemon links the target packages (their
// descriptions included) but none of the controller's machinery: no SSH,
// nemesis, checker, run, report, cluster or campaign code.
func TestDaemonDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	const mod = "github.com/faultline/faultline/"
	forbidden := []string{"control/ssh", "nemesis", "checker", "run", "rundir", "reports", "cluster", "campaign", "cli", "cmd/faultline/"}
	for _, dep := range strings.Fields(string(out)) {
		p, ok := strings.CutPrefix(dep, mod)
		if !ok {
			continue
		}
		for _, f := range forbidden {
			if p == f || strings.HasPrefix(p, f+"/") || strings.HasPrefix(p, f) && strings.HasSuffix(f, "/") {
				t.Errorf("faultline-node links %s", dep)
			}
		}
	}
}
