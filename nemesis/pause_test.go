package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

func newTestPause(t *testing.T, n int, seed uint64) (*fakeTarget, *Pause) {
	t.Helper()
	net, env := newFakeNet(n)
	tg := newFakeTarget(net)
	env.Target = tg
	p, err := NewPause(env, rand.New(rand.NewPCG(seed, seed)))
	if err != nil {
		t.Fatal(err)
	}
	return tg, p
}

func TestPauseSubsetsAndResume(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 30; seed++ {
		n := 3 + int(seed%5)
		for _, mode := range []string{"", `"one"`, `"minority"`, `"majority"`, `"all"`} {
			tg, p := newTestPause(t, n, seed)
			done := p.Invoke(ctx, killOp("pause", mode))
			if done.Type != history.OK {
				t.Fatalf("pause %s = %s %q", mode, done.Type, done.Error)
			}
			var nodes []string
			if err := json.Unmarshal(done.Value, &nodes); err != nil {
				t.Fatal(err)
			}
			var paused []string
			for _, node := range p.env.Nodes {
				if tg.paused[node] {
					paused = append(paused, node)
				}
			}
			if !slices.Equal(nodes, paused) {
				t.Fatalf("value %v but paused %v", nodes, paused)
			}
			size := len(nodes)
			ok := map[string]bool{
				"":           size >= 1 && size <= max(1, (n-1)/2),
				`"one"`:      size == 1,
				`"minority"`: size >= 1 && size <= (n-1)/2,
				`"majority"`: size == n/2+1,
				`"all"`:      size == n,
			}[mode]
			if !ok {
				t.Fatalf("%d nodes, mode %s: paused %v", n, mode, nodes)
			}
			done = p.Invoke(ctx, killOp("resume", ""))
			if done.Type != history.OK || string(done.Value) != string(history.Raw(p.env.Nodes)) {
				t.Fatalf("resume = %s %s", done.Type, done.Value)
			}
			for node, stopped := range tg.paused {
				if stopped {
					t.Fatalf("%s still paused after resume", node)
				}
			}
		}
	}
}

func TestPauseExplicitErrorsAndHeal(t *testing.T) {
	ctx := context.Background()
	tg, p := newTestPause(t, 5, 1)
	if done := p.Invoke(ctx, killOp("pause", `["n5","n1"]`)); done.Type != history.OK || string(done.Value) != `["n1","n5"]` {
		t.Fatalf("explicit pause = %s %s %q", done.Type, done.Value, done.Error)
	}
	for _, v := range []string{`["n9"]`, `[]`, `"half"`, `3`} {
		if done := p.Invoke(ctx, killOp("pause", v)); done.Type != history.Info || done.Error == "" {
			t.Fatalf("pause %s = %s %q", v, done.Type, done.Error)
		}
	}
	if done := p.Invoke(ctx, killOp("kill", "")); done.Type != history.Info {
		t.Fatalf("unknown f: %s", done.Type)
	}
	tg.failOn = "n3"
	if done := p.Invoke(ctx, killOp("pause", `"all"`)); done.Type != history.Info || !strings.Contains(done.Error, `node "n3"`) {
		t.Fatalf("pause with n3 failing = %s %q", done.Type, done.Error)
	}
	err := p.Heal(ctx)
	if err == nil || !strings.Contains(err.Error(), `node "n3"`) {
		t.Fatalf("heal with n3 failing: %v", err)
	}
	for _, node := range []string{"n1", "n2", "n4", "n5"} {
		if tg.paused[node] {
			t.Fatalf("heal left %s paused", node)
		}
	}
}

func TestNewPauseRefuses(t *testing.T) {
	_, env := newFakeNet(3)
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewPause(env, rng); !errors.Is(err, ErrNoTarget) {
		t.Fatalf("no target: %v", err)
	}
	env.Target = plainProcess{}
	if _, err := NewPause(env, rng); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "cannot pause") {
		t.Fatalf("target without Pauser: %v", err)
	}
}

// TestPauseHealsFirst: in a composed nemesis and in HealAll, paused
// processes resume before the network heals and before daemons restart.
func TestPauseHealsFirst(t *testing.T) {
	ctx := context.Background()
	net, env := newFakeNet(3)
	var log []string
	tg := newFakeTarget(net)
	tg.log = &log
	env.Target = tg
	rng := rand.New(rand.NewPCG(2, 2))
	var ns []Nemesis
	for _, name := range []string{"kill", "partition", "clock", "pause"} {
		n, err := New(name, env, rng)
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	c := Compose(ns...)
	if got := c.Name(); got != "pause,partition,clock,kill" {
		t.Fatalf("heal order %q", got)
	}
	check := func(what string) {
		t.Helper()
		first := slices.IndexFunc(log, func(s string) bool { return strings.HasPrefix(s, "start ") })
		lastResume := -1
		for i, s := range log {
			if strings.HasPrefix(s, "resume ") {
				lastResume = i
			}
		}
		if lastResume < 0 || first < 0 || lastResume > first {
			t.Fatalf("%s: resume must come before any start: %v", what, log)
		}
		// The firewall heal ran between the resumes and the starts: the
		// fake's log of n1 shows iptables commands.
		if cmds := net.logOf("n1"); !slices.ContainsFunc(cmds, func(s string) bool { return strings.Contains(s, "iptables") }) {
			t.Fatalf("%s: no firewall heal on n1: %v", what, cmds)
		}
	}
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	check("Compose")
	log = nil
	if err := HealAll(ctx, env); err != nil {
		t.Fatal(err)
	}
	check("HealAll")
}
