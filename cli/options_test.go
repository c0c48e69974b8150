package cli

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/nemesis"
)

// parseTest parses args of "faultline test" with the real root and test
// commands, and returns the options and globals its RunE would hand to
// runTest (nil if it was not reached).
func parseTest(t *testing.T, args ...string) (*testOptions, *globals, error) {
	t.Helper()
	var got *testOptions
	var gotG *globals
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	root := newRootCmd(g)
	old, _, err := root.Find([]string{"test"})
	if err != nil || old.Name() != "test" {
		t.Fatalf("no test command: %v", err)
	}
	root.RemoveCommand(old)
	root.AddCommand(newTestCmd(g, func(_ context.Context, g *globals, o *testOptions) error {
		cp, cg := *o, *g
		got, gotG = &cp, &cg
		return nil
	}))
	root.SetArgs(append([]string{"test"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err = root.Execute()
	return got, gotG, err
}

func TestTestFlagsDefaults(t *testing.T) {
	o, g, err := parseTest(t)
	if err != nil {
		t.Fatal(err)
	}
	want := testOptions{
		target: "register", nemeses: "partition,kill",
		timeLimit: 60 * time.Second, interval: 10 * time.Second, opTimeout: 2 * time.Second,
		recovery: 2 * time.Second, checkTime: 60 * time.Second, concurrency: 10, rate: 200,
	}
	if o.seed < 0 || o.seed >= 1_000_000 {
		t.Errorf("default seed %d: want a random seed in [0, 1000000)", o.seed)
	}
	o.seed = 0
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *o, want)
	}
	if err := o.validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	if g.store != "store" || g.nodesFile != "" || g.clusterName != "default" || g.insecureKeys {
		t.Errorf("default globals: %+v", *g)
	}
}

func TestTestFlagsCaptured(t *testing.T) {
	o, g, err := parseTest(t, "--nodes-file", "hosts.yaml", "--store", "runs", "--cluster", "c2", "--name", "n-1", "--target", "register", "--mode", "naive", "--workload", "register",
		"--nemesis", "partition, kill,partition", "--time-limit", "5s", "--nemesis-interval", "1500ms",
		"--op-timeout", "250ms", "--recovery", "0s", "--check-timeout", "3s", "--concurrency", "3",
		"--rate", "0", "--seed", "7", "--node-binary", "/x/faultline-node")
	if err != nil {
		t.Fatal(err)
	}
	want := testOptions{
		name: "n-1", target: "register", mode: "naive", workload: "register", nemeses: "partition, kill,partition",
		timeLimit: 5 * time.Second, interval: 1500 * time.Millisecond, opTimeout: 250 * time.Millisecond,
		recovery: 0, checkTime: 3 * time.Second, concurrency: 3, rate: 0, seed: 7, targetOpts: map[string]string{"node-binary": "/x/faultline-node"},
	}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("captured:\n got %+v\nwant %+v", *o, want)
	}
	if err := o.validate(); err != nil {
		t.Errorf("validate: %v", err)
	}
	if g.nodesFile != "hosts.yaml" || g.store != "runs" || g.clusterName != "c2" {
		t.Errorf("globals not captured: %+v", *g)
	}
	faults, err := parseNemeses(o.nemeses)
	if err != nil || !reflect.DeepEqual(faults, []string{"partition", "kill"}) {
		t.Errorf("parseNemeses(%q) = %q, %v; want [partition kill] (deduplicated, in order)", o.nemeses, faults, err)
	}
}

func TestTestFlagsBad(t *testing.T) {
	for _, args := range [][]string{
		{"--time-limit", "soon"},
		{"--concurrency", "x"},
		{"--seed", "1.5"},
		{"--no-such-flag"},
		{"extra"},
	} {
		o, _, err := parseTest(t, args...)
		if err == nil || o != nil {
			t.Errorf("%q: parsed to %+v, want an error before RunE", args, o)
		}
		if err != nil && exitCode(err) != ExitBadInput {
			t.Errorf("%q: error %v (exit %d) is not bad input", args, err, exitCode(err))
		}
	}
}

func TestParseNemeses(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"none", nil, false},
		{"kill", []string{"kill"}, false},
		{"partition,kill", []string{"partition", "kill"}, false},
		{"partition, kill,partition", []string{"partition", "kill"}, false},
		{" kill , kill ", []string{"kill"}, false},
		{"flood", nil, true},
		{"partition,flood", nil, true},
		{"partition,,kill", nil, true},
		{"none,kill", nil, true},
		{"Partition", nil, true},
	} {
		got, err := parseNemeses(c.in)
		if c.bad {
			if err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "--nemesis") {
				t.Errorf("parseNemeses(%q) = %q, %v; want a bad-input error naming --nemesis", c.in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseNemeses(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestResolveTarget(t *testing.T) {
	reg := defaultRegistry()
	ch, err := reg.resolve("register", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if ch.target.Name != "register" || ch.mode.Name != "paxos" || ch.workload.Name != "register" || ch.workload.Model != "cas-register" {
		t.Errorf("defaults: target %s mode %q workload %s model %s; want register paxos register cas-register", ch.target.Name, ch.mode.Name, ch.workload.Name, ch.workload.Model)
	}
	if ch, err := reg.resolve("register", "naive", "register"); err != nil || ch.mode.Name != "naive" {
		t.Errorf("--mode naive: mode %q, %v", ch.mode.Name, err)
	}
	for _, c := range []struct{ target, mode, workload, flag string }{
		{"nope", "", "", "--target"},
		{"", "", "", "--target"},
		{"register", "nope", "", "--mode"},
		{"register", "", "nope", "--workload"},
		{"register", "", "queue", "--workload"},
	} {
		_, err := reg.resolve(c.target, c.mode, c.workload)
		if err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("resolve(%q, %q, %q) = %v; want a bad-input error naming %s", c.target, c.mode, c.workload, err, c.flag)
		}
	}
	// Every target's default mode is its first, and every mode has a
	// description for faultline list.
	for _, tt := range reg.targets {
		ch, err := reg.resolve(tt.Name, "", "")
		if err != nil || ch.mode.Name != tt.Modes[0].Name {
			t.Errorf("target %s: default mode %q, %v; want %q", tt.Name, ch.mode.Name, err, tt.Modes[0].Name)
		}
		for _, m := range tt.Modes {
			if m.Doc == "" {
				t.Errorf("target %s mode %s has no description for faultline list", tt.Name, m.Name)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := func() testOptions {
		return testOptions{timeLimit: time.Second, interval: time.Second, opTimeout: time.Second, checkTime: time.Second, concurrency: 1}
	}
	if o := ok(); o.validate() != nil {
		t.Fatalf("%+v should validate: %v", o, o.validate())
	}
	for _, c := range []struct {
		flag string
		mut  func(*testOptions)
	}{
		{"--time-limit", func(o *testOptions) { o.timeLimit = -5 * time.Second }},
		{"--time-limit", func(o *testOptions) { o.timeLimit = 0 }},
		{"--concurrency", func(o *testOptions) { o.concurrency = 0 }},
		{"--rate", func(o *testOptions) { o.rate = -1 }},
		{"--nemesis-interval", func(o *testOptions) { o.interval = 0 }},
		{"--op-timeout", func(o *testOptions) { o.opTimeout = 0 }},
		{"--recovery", func(o *testOptions) { o.recovery = -time.Second }},
		{"--check-timeout", func(o *testOptions) { o.checkTime = 0 }},
		{"--clock-mode", func(o *testOptions) { o.clockMode = "kernel" }},
		// Values that pass a sign check and break later: every worker
		// panicked mid-run (NaN, Inf, 1.5e-9), 1e-300 meant unthrottled, a
		// billion workers or plan steps exhaust the machine.
		{"--rate", func(o *testOptions) { o.rate = math.NaN() }},
		{"--rate", func(o *testOptions) { o.rate = math.Inf(1) }},
		{"--rate", func(o *testOptions) { o.rate = 1.5e-9 }},
		{"--rate", func(o *testOptions) { o.rate = 1e-300 }},
		{"--rate", func(o *testOptions) { o.rate = 1e12 }},
		{"--concurrency", func(o *testOptions) { o.concurrency = 1_000_000_000 }},
		{"--time-limit", func(o *testOptions) { o.timeLimit = 100000 * time.Hour }},
		{"--nemesis-interval", func(o *testOptions) { o.timeLimit, o.interval = 100*time.Hour, time.Millisecond }},
		{"--nemesis-interval", func(o *testOptions) { o.interval = 900000 * time.Hour }},
		{"--check-timeout", func(o *testOptions) { o.checkTime = -time.Second }},
	} {
		o := ok()
		c.mut(&o)
		err := o.validate()
		if err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%+v: validate = %v; want a bad-input error naming %s", o, err, c.flag)
		}
	}
}

func TestNodeBinaryOption(t *testing.T) {
	reg := defaultRegistry()
	ch, err := reg.resolve("register", "", "")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "faultline-node")
	if err := os.WriteFile(f, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.target.Deploy(targetEnv(ch.target, ch.mode, map[string]string{"node-binary": f}, time.Second)); err != nil {
		t.Errorf("--node-binary %s: %v", f, err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	_, err = ch.target.Deploy(targetEnv(ch.target, ch.mode, map[string]string{"node-binary": missing}, time.Second))
	if err = deployErr(ch.target, err); err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "--node-binary") {
		t.Errorf("--node-binary %s: %v; want a bad-input error naming the flag and the file", missing, err)
	}
}

func TestClockModeSystem(t *testing.T) {
	o, _, err := parseTest(t, "--nemesis", "clock", "--clock-mode", "system")
	if err != nil || o.clockMode != nemesis.ClockModeSystem || o.validate() != nil {
		t.Fatalf("--clock-mode system: %+v, %v", o, err)
	}
	boot := map[string]string{"n1": "a", "n2": "b"}
	env := nemesis.Env{Nodes: []string{"n1", "n2"}, Remotes: map[string]control.Remote{}}
	for _, n := range env.Nodes {
		env.Remotes[n] = dummy.New(n).Handle(func(c dummy.Call) (control.Result, error) {
			return control.Result{Stdout: []byte(boot[n] + "\n")}, nil // the boot id
		})
	}
	rng := rand.New(rand.NewPCG(1, 1))
	ctx := context.Background()
	// The local cluster (no --nodes-file) shares the host's kernel.
	if _, err := newNemesis(ctx, &globals{}, o, "clock", env, rng); !errors.Is(err, nemesis.ErrUnsupported) {
		t.Fatalf("system mode on the local cluster: %v, want ErrUnsupported", err)
	}
	g := &globals{nodesFile: "hosts.yaml"}
	n, err := newNemesis(ctx, g, o, "clock", env, rng)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "clock" {
		t.Fatalf("built %q", n.Name())
	}
	boot["n2"] = "a"
	if _, err := newNemesis(ctx, g, o, "clock", env, rng); !errors.Is(err, nemesis.ErrUnsupported) {
		t.Fatalf("system mode on nodes sharing a boot id: %v, want ErrUnsupported", err)
	}
}
