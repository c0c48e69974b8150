package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/workloads"
)

// TestRegistry holds every built-in target to its description: its Deploy
// makes a deployment that implements what Supports declares, and every
// workload it lists builds on that deployment (its client capability is
// there). A target that declared pause without implementing it would
// otherwise pass validation and fail mid-run.
func TestRegistry(t *testing.T) {
	reg := defaultRegistry()
	bin := filepath.Join(t.TempDir(), "binary")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	nodes := []targets.Node{}
	names := []string{}
	for _, n := range []string{"n1", "n2", "n3"} {
		nodes = append(nodes, targets.Node{Name: n, Address: "198.51.100.1", Remote: dummy.New(n)})
		names = append(names, n)
	}
	for _, tt := range reg.targets {
		given := map[string]string{}
		for _, o := range tt.Options {
			given[o.Name] = bin
		}
		for _, m := range tt.Modes {
			env := targetEnv(tt, m, given, time.Second)
			env.Nodes = nodes
			dep, err := tt.Deploy(env)
			if err != nil {
				t.Errorf("%s --mode %s: Deploy: %v", tt.Name, m.Name, err)
				continue
			}
			for _, c := range []struct {
				declared bool
				has      bool
				what     string
			}{
				{tt.Supports.Kill, is[targets.Killer](dep), "Kill (targets.Killer)"},
				{tt.Supports.Pause, is[targets.Pauser](dep), "Pause (targets.Pauser)"},
				{tt.Supports.ClockFile, is[targets.Clocker](dep), "ClockFile (targets.Clocker)"},
			} {
				if c.declared != c.has {
					t.Errorf("%s: Supports.%s is %v but the deployment %T implements it: %v", tt.Name, c.what, c.declared, dep, c.has)
				}
			}
			for _, wn := range tt.Workloads {
				w, _ := reg.workload(wn)
				r, err := w.Build(workloads.Env{Deployment: dep, Mode: m, Nodes: names, Concurrency: 3, OpTimeout: time.Second})
				if err != nil {
					t.Errorf("%s --mode %s: workload %s: %v", tt.Name, m.Name, wn, err)
					continue
				}
				if r.Generator == nil || r.NewClient == nil {
					t.Errorf("%s: workload %s built without a generator or clients", tt.Name, wn)
				}
				if _, err := r.NewClient("n1"); err != nil {
					t.Errorf("%s: workload %s: client for n1: %v", tt.Name, wn, err)
				}
				if len(w.Checkers(workloads.CheckOptions{Timeout: time.Second})) == 0 {
					t.Errorf("workload %s has no checkers", wn)
				}
			}
		}
	}
}

func is[C any](v any) bool { _, ok := v.(C); return ok }

// TestRegistryRefusesMalformed: a description that cannot work is refused
// where it is registered, naming the target.
func TestRegistryRefusesMalformed(t *testing.T) {
	good := defaultRegistry().targets[0]
	for _, c := range []struct {
		name string
		mut  func(*targets.Target)
		want string
	}{
		{"no modes", func(t *targets.Target) { t.Modes = nil }, "no modes"},
		{"duplicate mode", func(t *targets.Target) { t.Modes = append(t.Modes, t.Modes[0]) }, "twice"},
		{"bad name", func(t *targets.Target) { t.Name = "Has Space" }, "name"},
		{"no deploy", func(t *targets.Target) { t.Deploy = nil }, "Deploy"},
		{"unknown workload", func(t *targets.Target) { t.Workloads = []string{"nope"} }, "not registered"},
	} {
		tt := good
		tt.Modes = append(targets.Modes{}, good.Modes...)
		c.mut(&tt)
		if _, err := newRegistry([]targets.Target{tt}, builtinWorkloads); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: newRegistry = %v; want an error saying %q", c.name, err, c.want)
		}
	}
	if _, err := newRegistry([]targets.Target{good, good}, builtinWorkloads); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a target registered twice: %v", err)
	}
}

// TestCheckSupports: a fault the target cannot take is refused up front,
// with the target's name.
func TestCheckSupports(t *testing.T) {
	reg := defaultRegistry()
	etcd, _ := reg.target("etcd")
	if err := checkSupports(etcd, []string{"partition", "clock"}, ""); err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("clock (file) on etcd: %v; want bad input naming etcd", err)
	}
	if err := checkSupports(etcd, []string{"clock"}, "system"); err != nil {
		t.Errorf("clock --clock-mode system on etcd: %v", err)
	}
	noPause := etcd
	noPause.Supports.Pause = false
	if err := checkSupports(noPause, []string{"kill", "pause"}, ""); err == nil || !strings.Contains(err.Error(), "pause") {
		t.Errorf("pause on a target without it: %v", err)
	}
}
