package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/workloads"
)

// memTarget is an in-memory register shared by all clients: linearizable
// by construction, unless stale is set, in which case reads of node n2
// return the first value ever written.
type memTarget struct {
	mu          sync.Mutex
	vals        map[string]int64
	first       map[string]int64
	stale       bool
	setupErr    error
	teardownErr error
	residue     []string
	calls       []string
}

func (m *memTarget) log(s string) { m.mu.Lock(); m.calls = append(m.calls, s); m.mu.Unlock() }
func (m *memTarget) Setup(context.Context) error {
	m.log("setup")
	m.vals, m.first = map[string]int64{}, map[string]int64{}
	return m.setupErr
}
func (m *memTarget) Teardown(context.Context) error { m.log("teardown"); return m.teardownErr }
func (m *memTarget) CollectLogs(_ context.Context, dir string) error {
	m.log("logs")
	return os.MkdirAll(filepath.Join(dir, "n1"), 0o755)
}
func (m *memTarget) Residue(context.Context) ([]string, error) {
	m.log("residue")
	return m.residue, nil
}

type memClient struct {
	t    *memTarget
	node string
}

func (c *memClient) Invoke(_ context.Context, op history.Op) history.Op {
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	switch op.F {
	case "write":
		var v int64
		json.Unmarshal(op.Value, &v)
		if _, ok := c.t.first[op.Key]; !ok {
			c.t.first[op.Key] = v
		}
		c.t.vals[op.Key] = v
		return op.Complete(history.OK, op.Value, "")
	default:
		v, ok := c.t.vals[op.Key]
		if c.t.stale && c.node == "n2" {
			v, ok = c.t.first[op.Key]
		}
		if !ok {
			return op.Complete(history.OK, history.Raw(nil), "")
		}
		return op.Complete(history.OK, history.Raw(v), "")
	}
}
func (c *memClient) Close() error { return nil }

// gen writes unique values and reads, on three keys.
type gen struct {
	mu sync.Mutex
	n  int64
}

func (g *gen) Next(rng *rand.Rand, _ history.Process) (history.Op, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	key := "k" + strconv.Itoa(rng.IntN(3))
	if rng.IntN(2) == 0 {
		return history.Op{F: "write", Key: key, Value: history.Raw(g.n)}, true
	}
	return history.Op{F: "read", Key: key}, true
}

type fakeHealer struct {
	mu    sync.Mutex
	heals int
	left  []string
}

func (h *fakeHealer) Heal(context.Context) error { h.mu.Lock(); h.heals++; h.mu.Unlock(); return nil }

// failingPreflight is a Healer whose preflight fails with err.
type failingPreflight struct {
	*fakeHealer
	err error
}

func (f failingPreflight) Preflight(context.Context) error { return f.err }

func (h *fakeHealer) Residue(context.Context) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.left, nil
}

type fakeNemesis struct{ applied, healed int }

func (n *fakeNemesis) Name() string { return "fake" }
func (n *fakeNemesis) Fs() []string { return []string{"start-fake", "stop-fake"} }
func (n *fakeNemesis) Invoke(_ context.Context, op history.Op) history.Op {
	n.applied++
	return op.Complete(history.OK, history.Raw("done"), "")
}
func (n *fakeNemesis) Heal(context.Context) error { n.healed++; return nil }

func newTest(t *testing.T, target *memTarget) (*Test, *fakeHealer, *fakeNemesis) {
	t.Helper()
	m, _ := checker.ModelByName("cas-register")
	h := &fakeHealer{}
	nem := &fakeNemesis{}
	return &Test{
		Config: rundir.Config{Name: "unit", Concurrency: 4, Rate: 1000, TimeLimit: rundir.Duration(300 * time.Millisecond),
			OpTimeout: rundir.Duration(time.Second), Nodes: []rundir.Node{{Name: "n1"}, {Name: "n2"}}},
		Target:    target,
		Generator: &gen{},
		NewClient: func(node string) (workloads.Client, error) { return &memClient{t: target, node: node}, nil },
		Nemesis:   nem,
		Plan: []nemesis.Step{
			{At: 50 * time.Millisecond, Op: history.Op{F: "start-fake"}},
			{At: 150 * time.Millisecond, Op: history.Op{F: "stop-fake"}},
		},
		Healer:   h,
		Checkers: []checker.Checker{&checker.Linearizable{Model: m, Timeout: 10 * time.Second, MinOK: 10}},
		Store:    t.TempDir(),
	}, h, nem
}

func TestRunValid(t *testing.T) {
	target := &memTarget{}
	tt, h, nem := newTest(t, target)
	out, err := Run(context.Background(), tt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out.Results.Verdict != checker.Valid {
		t.Fatalf("verdict %s, want valid: %+v", out.Results.Verdict, out.Results.Checkers)
	}
	hist, err := history.ReadFile(filepath.Join(out.Dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var nem2, client int
	for _, op := range hist {
		if op.IsNemesis() {
			nem2++
		} else {
			client++
		}
	}
	// start-fake, stop-fake and the final heal, each invoke + completion.
	if nem2 != 6 || nem.applied != 2 {
		t.Errorf("nemesis ops in history %d (want 6), applied %d (want 2)", nem2, nem.applied)
	}
	if client < 20 {
		t.Errorf("only %d client ops", client)
	}
	if h.heals < 2 || nem.healed != 1 {
		t.Errorf("heals: healer %d (want preflight + final), nemesis %d (want 1)", h.heals, nem.healed)
	}
	for _, f := range []string{"test.json", "history.jsonl", "results.json", "faultline.log"} {
		if _, err := os.Stat(filepath.Join(out.Dir, f)); err != nil {
			t.Errorf("run dir lacks %s", f)
		}
	}
	latest, err := filepath.EvalSymlinks(filepath.Join(tt.Store, "latest"))
	if err != nil || latest != out.Dir {
		if abs, _ := filepath.Abs(out.Dir); latest != abs {
			t.Errorf("store/latest -> %s, want %s (%v)", latest, out.Dir, err)
		}
	}
	cfg, err := rundir.ReadConfig(out.Dir)
	if err != nil || cfg.Name != "unit" || time.Duration(cfg.TimeLimit) != 300*time.Millisecond {
		t.Errorf("test.json round trip: %+v, %v", cfg, err)
	}
}

func TestRunCatchesStaleReads(t *testing.T) {
	target := &memTarget{stale: true}
	tt, _, _ := newTest(t, target)
	out, err := Run(context.Background(), tt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out.Results.Verdict != checker.Invalid {
		t.Fatalf("verdict %s, want invalid", out.Results.Verdict)
	}
}

func TestRunHealsWhenSetupFails(t *testing.T) {
	target := &memTarget{setupErr: errors.New("boom")}
	tt, h, nem := newTest(t, target)
	out, err := Run(context.Background(), tt)
	if !errors.Is(err, ErrHarness) {
		t.Fatalf("err = %v, want ErrHarness", err)
	}
	if h.heals < 2 || nem.healed != 1 {
		t.Errorf("a failed setup must still heal: healer %d, nemesis %d", h.heals, nem.healed)
	}
	if out.Results.Verdict == checker.Valid {
		t.Errorf("a run whose setup failed cannot be valid")
	}
}

// TestHarnessErrorsWrapTheirCause: a failed preflight heal, setup, final
// phase or teardown is ErrHarness and still its own error, so a caller can
// tell a context cancelled mid-setup from a missing binary.
func TestHarnessErrorsWrapTheirCause(t *testing.T) {
	cause := errors.New("no such binary")
	for _, tc := range []struct {
		phase string
		fail  func(*Test, *memTarget, *fakeHealer)
	}{
		{"preflight heal", func(tt *Test, _ *memTarget, h *fakeHealer) { tt.Healer = failingPreflight{h, cause} }},
		{"setup", func(_ *Test, m *memTarget, _ *fakeHealer) { m.setupErr = fmt.Errorf("n1: %w", cause) }},
		{"final phase", func(tt *Test, _ *memTarget, _ *fakeHealer) {
			tt.Final = func(context.Context, Recorder) error { return cause }
		}},
		{"teardown", func(_ *Test, m *memTarget, _ *fakeHealer) { m.teardownErr = cause }},
	} {
		target := &memTarget{}
		tt, h, _ := newTest(t, target)
		tc.fail(tt, target, h)
		_, err := Run(context.Background(), tt)
		if !errors.Is(err, ErrHarness) || !errors.Is(err, cause) || !strings.Contains(err.Error(), tc.phase+": ") {
			t.Errorf("%s fails: err = %v; want ErrHarness wrapping the cause, naming the phase", tc.phase, err)
		}
	}
}

func TestRunReportsResidue(t *testing.T) {
	target := &memTarget{residue: []string{"n1: faultline-node is stopped"}}
	tt, _, _ := newTest(t, target)
	out, err := Run(context.Background(), tt)
	if !errors.Is(err, ErrHarness) || len(out.Residue) != 1 {
		t.Fatalf("residue not reported: err %v, residue %v", err, out.Residue)
	}
}

func TestRunInterruptedIsNotValid(t *testing.T) {
	target := &memTarget{}
	tt, h, _ := newTest(t, target)
	tt.Config.TimeLimit = rundir.Duration(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	out, err := Run(ctx, tt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !out.Interrupted || out.Results.Verdict != checker.Unknown {
		t.Fatalf("interrupted %v, verdict %s; want true, unknown", out.Interrupted, out.Results.Verdict)
	}
	if h.heals < 2 {
		t.Errorf("an interrupted run must heal")
	}
}

// A re-check of a run whose history has since been damaged is an error
// that names the line, and leaves results.json (the live run's verdict
// and the stats only it could measure) exactly as it was.
func TestRecheckNeverDestroysResults(t *testing.T) {
	target := &memTarget{}
	tt, _, _ := newTest(t, target)
	out, err := Run(context.Background(), tt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	before, err := os.ReadFile(filepath.Join(out.Dir, rundir.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	hp := filepath.Join(out.Dir, rundir.HistoryFile)
	b, err := os.ReadFile(hp)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[2] = "{not json}\n"
	if err := os.WriteFile(hp, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Check(context.Background(), out.Dir, []checker.Checker{checker.Linearizable{Model: checker.CASRegister()}}, nil)
	if !errors.Is(err, history.ErrMalformed) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("re-check of a damaged history: %v, want a malformed-history error naming line 3", err)
	}
	after, err := os.ReadFile(filepath.Join(out.Dir, rundir.ResultsFile))
	if err != nil || string(after) != string(before) {
		t.Fatalf("results.json changed by a failed re-check:\nbefore %s\nafter  %s (%v)", before, after, err)
	}
}
