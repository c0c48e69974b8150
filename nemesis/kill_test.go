package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/history"
)

// fakeProcess records Kill/Start calls and can fail on one node.
type fakeProcess struct {
	mu      sync.Mutex
	running map[string]bool
	calls   []string
	failOn  string
}

func (p *fakeProcess) act(verb, node string, up bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, verb+" "+node)
	if node == p.failOn {
		return errors.New("ssh: connection refused")
	}
	p.running[node] = up
	return nil
}
func (p *fakeProcess) Kill(_ context.Context, node string) error  { return p.act("kill", node, false) }
func (p *fakeProcess) Start(_ context.Context, node string) error { return p.act("start", node, true) }

func newTestKill(t *testing.T, n int, seed uint64) (*fakeProcess, *Kill) {
	t.Helper()
	_, env := newFakeNet(n)
	proc := &fakeProcess{running: map[string]bool{}}
	for _, node := range env.Nodes {
		proc.running[node] = true
	}
	env.Target = proc
	k, err := NewKill(env, rand.New(rand.NewPCG(seed, seed)))
	if err != nil {
		t.Fatal(err)
	}
	return proc, k
}

func killOp(f, value string) history.Op {
	op := history.Op{Process: history.Nemesis, Type: history.Invoke, F: f}
	if value != "" {
		op.Value = json.RawMessage(value)
	}
	return op
}

func TestKillSubsets(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(0); seed < 50; seed++ {
		n := 3 + int(seed%7)
		for _, mode := range []string{"", `"one"`, `"minority"`, `"majority"`, `"all"`} {
			proc, k := newTestKill(t, n, seed)
			done := k.Invoke(ctx, killOp("kill", mode))
			if done.Type != history.OK {
				t.Fatalf("kill %s = %s %q", mode, done.Type, done.Error)
			}
			var killed []string
			if err := json.Unmarshal(done.Value, &killed); err != nil {
				t.Fatal(err)
			}
			var down []string
			for _, node := range k.env.Nodes {
				if !proc.running[node] {
					down = append(down, node)
				}
			}
			if !slices.Equal(killed, down) {
				t.Fatalf("value %v but down %v", killed, down)
			}
			size := len(killed)
			ok := map[string]bool{
				"":           size == 1 || (size >= 1 && size < (n+1)/2),
				`"one"`:      size == 1,
				`"minority"`: size >= 1 && size <= (n-1)/2,
				`"majority"`: size == n/2+1,
				`"all"`:      size == n,
			}[mode]
			if !ok {
				t.Fatalf("%d nodes, mode %s: killed %v", n, mode, killed)
			}
			// start with no value restarts every node.
			done = k.Invoke(ctx, killOp("start", ""))
			if done.Type != history.OK || string(done.Value) != string(history.Raw(k.env.Nodes)) {
				t.Fatalf("start = %s %s", done.Type, done.Value)
			}
			for node, up := range proc.running {
				if !up {
					t.Fatalf("%s still down after start", node)
				}
			}
		}
	}
}

func TestKillDeterministicGivenSeed(t *testing.T) {
	ctx := context.Background()
	run := func() string {
		_, k := newTestKill(t, 9, 42)
		var out []string
		for range 10 {
			out = append(out, string(k.Invoke(ctx, killOp("kill", "")).Value))
		}
		return strings.Join(out, " ")
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, different kills:\n%s\n%s", a, b)
	}
}

func TestKillExplicitAndErrors(t *testing.T) {
	ctx := context.Background()
	proc, k := newTestKill(t, 5, 1)
	done := k.Invoke(ctx, killOp("kill", `["n4","n2"]`))
	if done.Type != history.OK || string(done.Value) != `["n2","n4"]` {
		t.Fatalf("explicit kill = %s %s %q", done.Type, done.Value, done.Error)
	}
	if proc.running["n2"] || proc.running["n4"] || !proc.running["n1"] {
		t.Fatalf("running after explicit kill: %v", proc.running)
	}
	for _, v := range []string{`["n9"]`, `"half"`, `7`} {
		if done := k.Invoke(ctx, killOp("kill", v)); done.Type != history.Info || done.Error == "" {
			t.Fatalf("kill %s = %s %q", v, done.Type, done.Error)
		}
	}
	proc.failOn = "n3"
	done = k.Invoke(ctx, killOp("kill", `"all"`))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n3"`) {
		t.Fatalf("kill with n3 failing = %s %q", done.Type, done.Error)
	}
	err := k.Heal(ctx)
	if err == nil || !strings.Contains(err.Error(), `node "n3"`) {
		t.Fatalf("heal with n3 failing: %v", err)
	}
	for _, node := range []string{"n1", "n2", "n4", "n5"} {
		if !proc.running[node] {
			t.Fatalf("heal left %s down", node)
		}
	}
	if done := k.Invoke(ctx, killOp("pause", "")); done.Type != history.Info {
		t.Fatalf("unknown f: %s", done.Type)
	}
}

func TestNewKillRefusesNoTarget(t *testing.T) {
	_, env := newFakeNet(3)
	_, err := NewKill(env, rand.New(rand.NewPCG(1, 1)))
	if !errors.Is(err, ErrNoTarget) {
		t.Fatalf("NewKill without target: %v", err)
	}
}
