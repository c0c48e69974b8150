package nemesis

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

// recNemesis records invokes and heals into a shared log.
type recNemesis struct {
	name string
	fs   []string
	log  *[]string
	err  error
}

func (r *recNemesis) Name() string { return r.name }
func (r *recNemesis) Fs() []string { return r.fs }
func (r *recNemesis) Invoke(_ context.Context, op history.Op) history.Op {
	*r.log = append(*r.log, r.name+" "+op.F)
	return op.Complete(history.OK, nil, "")
}
func (r *recNemesis) Heal(context.Context) error {
	*r.log = append(*r.log, "heal "+r.name)
	return r.err
}

func TestComposeDispatchAndHealOrder(t *testing.T) {
	var log []string
	kill := &recNemesis{name: "kill", fs: []string{"kill", "start"}, log: &log, err: errors.New("nemesis: kill heal: boom")}
	part := &recNemesis{name: "partition", fs: []string{"start-partition", "stop-partition"}, log: &log}
	other := &recNemesis{name: "custom", fs: []string{"start-custom"}, log: &log}
	c := Compose(kill, other, part)
	ctx := context.Background()
	for _, f := range []string{"kill", "start-partition", "start-custom", "start"} {
		if done := c.Invoke(ctx, history.Op{F: f}); done.Type != history.OK {
			t.Fatalf("%s: %s", f, done.Type)
		}
	}
	if done := c.Invoke(ctx, history.Op{F: "start-clock"}); done.Type != history.Info || !strings.Contains(done.Error, `"start-clock"`) {
		t.Fatalf("unhandled f: %s %q", done.Type, done.Error)
	}
	err := c.Heal(ctx)
	want := []string{"kill kill", "partition start-partition", "custom start-custom", "kill start",
		"heal partition", "heal custom", "heal kill"}
	if !slices.Equal(log, want) {
		t.Fatalf("log %q, want %q", log, want)
	}
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("heal error %v", err)
	}
	if got := c.Fs(); len(got) != 5 {
		t.Fatalf("Fs = %v", got)
	}
	if c.Name() != "partition,custom,kill" {
		t.Fatalf("Name = %q", c.Name())
	}
}

func TestRegistry(t *testing.T) {
	if got := Names(); !slices.Equal(got, []string{"clock", "kill", "netem", "partition", "pause"}) {
		t.Fatalf("Names = %v", got)
	}
	_, env := newFakeNet(3)
	rng := rand.New(rand.NewPCG(1, 1))
	_, err := New("partiton", env, rng)
	if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "clock, kill, netem, partition, pause") {
		t.Fatalf("unknown name: %v", err)
	}
	if err := CheckFaults([]string{"partition", "flood"}); !errors.Is(err, ErrUnknown) {
		t.Fatalf("CheckFaults: %v", err)
	}
	n, err := New("partition", env, rng)
	if err != nil || n.Name() != "partition" {
		t.Fatalf("New partition: %v %v", n, err)
	}
	if _, err := New("kill", env, rng); !errors.Is(err, ErrNoTarget) {
		t.Fatalf("New kill without target: %v", err)
	}
	// Every registered nemesis's Fs start with its planned start and stop.
	net, _ := newFakeNet(3)
	env.Target = newFakeTarget(net)
	for _, e := range registry() {
		n, err := New(e.family.Name, env, rng)
		if e.family.Name == "netem" && errors.Is(err, ErrUnsupported) {
			// The fake net has no tc, so netem refuses up front (its own
			// tests cover that); check the Fs of the unprobed nemesis.
			n, err = e.healer(env)
		}
		if err != nil {
			t.Fatal(err)
		}
		if fs := n.Fs(); len(fs) < 2 || fs[0] != e.family.Opens[0] || fs[1] != e.family.Closes[0] {
			t.Fatalf("%s: Fs %v, registry %s/%s", e.family.Name, fs, e.family.Opens[0], e.family.Closes[0])
		}
	}
}

func TestHealAll(t *testing.T) {
	ctx := context.Background()
	f, env := newFakeNet(3)
	n1 := f.nodes["n1"]
	n1.chain, n1.jumps, n1.rules = true, 1, []string{"198.18.0.12"}
	// No target deployed: partitions healed, nothing else needed.
	if err := HealAll(ctx, env); err != nil {
		t.Fatal(err)
	}
	if n1.chain || n1.jumps != 0 {
		t.Fatalf("n1 not healed: %+v", n1)
	}
	proc := &fakeProcess{running: map[string]bool{}}
	env.Target = proc
	if err := HealAll(ctx, env); err != nil {
		t.Fatal(err)
	}
	if len(proc.calls) != 3 || !strings.HasPrefix(proc.calls[0], "start ") {
		t.Fatalf("target calls %v", proc.calls)
	}
	// A target that can pause is resumed on every node, before the starts.
	tg := newFakeTarget(f)
	env.Target = tg
	if err := HealAll(ctx, env); err != nil {
		t.Fatal(err)
	}
	if len(tg.calls) != 6 || !strings.HasPrefix(tg.calls[0], "resume ") || !strings.HasPrefix(tg.calls[2], "resume ") || !strings.HasPrefix(tg.calls[3], "start ") {
		t.Fatalf("target calls %v", tg.calls)
	}
	f.nodes["n2"].down = true
	if err := HealAll(ctx, env); err == nil || !strings.Contains(err.Error(), `"n2"`) {
		t.Fatalf("HealAll with n2 down: %v", err)
	}
}

// Every nemesis has its line in package fault's table, so the reports
// and the timeline draw what it does.
func TestRegistryFamilies(t *testing.T) {
	for _, e := range registry() {
		if _, ok := fault.Lookup(e.family.Name); !ok || len(e.family.Opens) == 0 || len(e.family.Closes) == 0 {
			t.Errorf("nemesis %s: family %+v", e.family.Name, e.family)
		}
	}
	if fs := StartFs("clock"); len(fs) != 2 {
		t.Errorf("clock opens %v, want bump-clock and strobe-clock", fs)
	}
}
