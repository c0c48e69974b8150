package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// fastClock are options that keep strobes and settling short in tests,
// and take no readings between ops (TestClockSamplesWhileSkewed does).
var fastClock = ClockOptions{StrobePeriod: time.Millisecond, StrobeDuration: 6 * time.Millisecond, Settle: 200 * time.Millisecond, SampleEvery: -1}

func newTestClock(t *testing.T, n int, seed uint64) (*fakeNet, *fakeTarget, *Clock) {
	t.Helper()
	net, env := newFakeNet(n)
	tg := newFakeTarget(net)
	env.Target = tg
	c, err := NewClockWith(env, rand.New(rand.NewPCG(seed, seed)), fastClock)
	if err != nil {
		t.Fatal(err)
	}
	return net, tg, c
}

func clockValue(t *testing.T, op history.Op) ClockValue {
	t.Helper()
	var v ClockValue
	if err := json.Unmarshal(op.Value, &v); err != nil {
		t.Fatalf("%s value %s: %v", op.F, op.Value, err)
	}
	return v
}

// fileOffset is the offset node's clock file holds (0 when absent).
func fileOffset(t *testing.T, net *fakeNet, node string) int64 {
	t.Helper()
	body := strings.TrimSpace(net.nodes[node].files[ClockFile])
	if body == "" {
		return 0
	}
	var spec ClockSpec
	if err := json.Unmarshal([]byte(body), &spec); err != nil {
		t.Fatalf("%s: clock file %q: %v", node, body, err)
	}
	return spec.OffsetNs
}

func near(a, b int64) bool { return abs(a-b) < int64(100*time.Millisecond) }

func TestClockBumpMeasuresAndResets(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 20; seed++ {
		net, _, c := newTestClock(t, 5, seed)
		done := c.Invoke(ctx, killOp("bump-clock", ""))
		if done.Type != history.OK {
			t.Fatalf("bump = %s %q", done.Type, done.Error)
		}
		v := clockValue(t, done)
		if len(v.SetNs) < 1 || len(v.SetNs) > 2 || len(v.OffsetsNs) != 5 {
			t.Fatalf("seed %d: value %s", seed, done.Value)
		}
		for _, node := range c.env.Nodes {
			set, bumped := v.SetNs[node]
			file := fileOffset(t, net, node)
			if bumped {
				if d := time.Duration(abs(set)); d < time.Second || d > 10*time.Second || set%int64(time.Millisecond) != 0 {
					t.Fatalf("seed %d: %s offset %v outside +-[1s,10s] or not whole ms", seed, node, d)
				}
				if file != set {
					t.Fatalf("%s: file holds %d, value says %d", node, file, set)
				}
			} else if file != 0 {
				t.Fatalf("%s not bumped but file holds %d", node, file)
			}
			if !near(v.OffsetsNs[node], file) {
				t.Fatalf("%s: measured %v, file %v", node, time.Duration(v.OffsetsNs[node]), time.Duration(file))
			}
		}
		res, err := c.Residue(ctx)
		if err != nil || len(res) != len(v.SetNs) || !strings.Contains(res[0], "clock file /opt/faultline/clock holds offset") {
			t.Fatalf("residue after bump %v %v", res, err)
		}
		done = c.Invoke(ctx, killOp("reset-clock", ""))
		if done.Type != history.OK {
			t.Fatalf("reset = %s %q", done.Type, done.Error)
		}
		v = clockValue(t, done)
		for _, node := range c.env.Nodes {
			if fileOffset(t, net, node) != 0 || v.SetNs[node] != 0 || !near(v.OffsetsNs[node], 0) {
				t.Fatalf("after reset %s: file %d, value %s", node, fileOffset(t, net, node), done.Value)
			}
		}
		if res, err := c.Residue(ctx); err != nil || len(res) != 0 {
			t.Fatalf("residue after reset %v %v", res, err)
		}
	}
}

func TestClockBumpExplicitAndModes(t *testing.T) {
	ctx := context.Background()
	net, _, c := newTestClock(t, 5, 3)
	done := c.Invoke(ctx, killOp("bump-clock", `{"n2": 7000000000, "n4": -3000000000}`))
	if done.Type != history.OK {
		t.Fatalf("explicit bump = %s %q", done.Type, done.Error)
	}
	if fileOffset(t, net, "n2") != 7e9 || fileOffset(t, net, "n4") != -3e9 || fileOffset(t, net, "n1") != 0 {
		t.Fatalf("files after explicit bump: %v", net.nodes["n2"].files)
	}
	// A second bump on other nodes keeps n2 and n4 as they were, and the
	// measurement expects that.
	if done := c.Invoke(ctx, killOp("bump-clock", `["n1"]`)); done.Type != history.OK || fileOffset(t, net, "n2") != 7e9 {
		t.Fatalf("second bump = %s %q", done.Type, done.Error)
	}
	if done := c.Invoke(ctx, killOp("bump-clock", `"all"`)); done.Type != history.OK || len(clockValue(t, done).SetNs) != 5 {
		t.Fatalf("bump all = %s %s", done.Type, done.Value)
	}
	for _, v := range []string{`{"n9": 1}`, `{}`, `["n9"]`, `"half"`, `{"n1": "x"}`} {
		if done := c.Invoke(ctx, killOp("bump-clock", v)); done.Type != history.Info || done.Error == "" {
			t.Fatalf("bump %s = %s %q", v, done.Type, done.Error)
		}
	}
	if done := c.Invoke(ctx, killOp("pause", "")); done.Type != history.Info {
		t.Fatalf("unknown f: %s", done.Type)
	}
}

func TestClockStrobe(t *testing.T) {
	ctx := context.Background()
	net, _, c := newTestClock(t, 5, 9)
	done := c.Invoke(ctx, killOp("strobe-clock", `"majority"`))
	if done.Type != history.OK {
		t.Fatalf("strobe = %s %q", done.Type, done.Error)
	}
	v := clockValue(t, done)
	if v.Strobe == nil || v.Strobe.Flips != 7 || len(v.SetNs) != 3 {
		t.Fatalf("strobe value %s", done.Value)
	}
	// Each strobed node's file was written (on), removed (off), ...: 4
	// writes and 3 removes, ending on its offset.
	for node, off := range v.SetNs {
		if fileOffset(t, net, node) != off {
			t.Fatalf("%s ends at %d, want %d", node, fileOffset(t, net, node), off)
		}
		var writes, removes int
		for _, cmd := range net.logOf(node) {
			switch {
			case strings.HasPrefix(cmd, "sudo sh -c "+clockWriteScript):
				writes++
			case strings.HasPrefix(cmd, "sudo rm -f "):
				removes++
			}
		}
		if writes != 4 || removes != 3 {
			t.Fatalf("%s: %d writes, %d removes", node, writes, removes)
		}
	}
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	for _, node := range c.env.Nodes {
		if fileOffset(t, net, node) != 0 {
			t.Fatalf("heal left %s skewed", node)
		}
	}
}

func TestClockVerifyFailures(t *testing.T) {
	ctx := context.Background()
	// A daemon that ignores its clock file: the bump is not verified.
	net, tg, c := newTestClock(t, 3, 1)
	tg.ignored = "n2"
	done := c.Invoke(ctx, killOp("bump-clock", `{"n2": 5000000000}`))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n2": clock measured`) {
		t.Fatalf("ignored file = %s %q", done.Type, done.Error)
	}
	if v := clockValue(t, done); v.SetNs["n2"] != 5e9 || len(v.OffsetsNs) != 3 {
		t.Fatalf("value %s", done.Value)
	}
	// A paused daemon cannot be measured: info naming it, as unmeasured.
	tg.ignored, tg.paused["n3"] = "", true
	done = c.Invoke(ctx, killOp("reset-clock", ""))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n3": clock unreadable`) {
		t.Fatalf("paused = %s %q", done.Type, done.Error)
	}
	if v := clockValue(t, done); len(v.Unmeasured) != 1 || v.Unmeasured[0] != "n3" {
		t.Fatalf("value %s", done.Value)
	}
	tg.paused["n3"] = false
	// A write that fails: info, and the error names the node.
	net.nodes["n1"].readOnly = true
	done = c.Invoke(ctx, killOp("bump-clock", `["n1"]`))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n1"`) {
		t.Fatalf("read-only = %s %q", done.Type, done.Error)
	}
	if err := c.Heal(ctx); err == nil || !strings.Contains(err.Error(), `node "n1"`) {
		t.Fatalf("heal with n1 read-only: %v", err)
	}
	net.nodes["n2"].down = true
	if _, err := c.Residue(ctx); err == nil || !strings.Contains(err.Error(), `"n2"`) {
		t.Fatalf("residue with n2 down: %v", err)
	}
}

func TestNewClockRefuses(t *testing.T) {
	_, env := newFakeNet(3)
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := NewClock(env, rng); !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrNoTarget) {
		t.Fatalf("no target: %v", err)
	}
	env.Target = plainProcess{}
	_, err := NewClock(env, rng)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "clock file") {
		t.Fatalf("target without Clocker: %v", err)
	}
	if _, err := New("clock", env, rng); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("registry: %v", err)
	}
}

// TestHealAllClock: clock files are removed on every node even with no
// target deployed, and ResidueAll reports them until then.
func TestHealAllClock(t *testing.T) {
	ctx := context.Background()
	net, env := newFakeNet(3)
	net.nodes["n3"].files[ClockFile] = `{"offset_ns": 4000000000}` + "\n"
	net.nodes["n1"].files[ClockFile] = `{"offset_ns": 0, "rate": 1}` + "\n"
	res, err := ResidueAll(ctx, env)
	if err != nil || len(res) != 1 || !strings.HasPrefix(res[0], "n3: clock file") {
		t.Fatalf("residue before heal: %v %v", res, err)
	}
	if err := HealAll(ctx, env); err != nil {
		t.Fatal(err)
	}
	for _, n := range env.Nodes {
		if _, ok := net.nodes[n].files[ClockFile]; ok {
			t.Fatalf("%s keeps its clock file", n)
		}
	}
	if res, err := ResidueAll(ctx, env); err != nil || len(res) != 0 {
		t.Fatalf("residue after heal: %v %v", res, err)
	}
}

func TestClockHealToleratesDownDaemon(t *testing.T) {
	ctx := context.Background()
	net, tg, c := newTestClock(t, 3, 4)
	if done := c.Invoke(ctx, killOp("bump-clock", `"all"`)); done.Type != history.OK {
		t.Fatalf("bump = %s %q", done.Type, done.Error)
	}
	tg.paused["n2"] = true // its clock cannot be read; its file is still removed
	if err := c.Heal(ctx); err != nil {
		t.Fatalf("heal with n2 unreadable: %v", err)
	}
	if fileOffset(t, net, "n2") != 0 {
		t.Fatal("n2's clock file survived the heal")
	}
	// A daemon that keeps its skew after the file is gone fails the heal.
	tg.paused["n2"] = false
	tg.stuck = "n3"
	err := c.Heal(ctx)
	if err == nil || !strings.Contains(err.Error(), `node "n3": clock still 9`) {
		t.Fatalf("heal with n3 stuck: %v", err)
	}
}
