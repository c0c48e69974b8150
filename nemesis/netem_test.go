package nemesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/history"
)

// fakeTC models tc and ip on dummy nodes: each node has an eth0 that
// routes to its peers, a lo, and a table of root qdiscs.
type fakeTC struct {
	mu      sync.Mutex
	noNetem bool                         // the kernel lacks sch_netem
	qdiscs  map[string]map[string]string // node -> dev -> qdisc line
}

func newFakeTC(t *testing.T, n int) (*fakeTC, Env, map[string]*dummy.Remote) {
	t.Helper()
	f := &fakeTC{qdiscs: map[string]map[string]string{}}
	env := Env{Addrs: map[string]string{}, Remotes: map[string]control.Remote{}}
	rs := map[string]*dummy.Remote{}
	for i := 1; i <= n; i++ {
		node := fmt.Sprintf("n%d", i)
		env.Nodes = append(env.Nodes, node)
		env.Addrs[node] = fmt.Sprintf("198.18.0.%d", 10+i)
		f.qdiscs[node] = map[string]string{}
		r := dummy.New(node)
		r.Handle(func(c dummy.Call) (control.Result, error) { return f.run(node, c) })
		rs[node] = r
		env.Remotes[node] = r
	}
	return f, env, rs
}

func (f *fakeTC) run(node string, c dummy.Call) (control.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := c.Argv
	switch {
	case len(a) == 5 && a[0] == "ip" && a[1] == "-o" && a[2] == "route" && a[3] == "get":
		return control.Result{Stdout: []byte(a[4] + " dev eth0 src 198.18.0.99 uid 0 \\    cache \n")}, nil
	case len(a) == 3 && a[0] == "tc" && a[1] == "qdisc" && a[2] == "show":
		var b strings.Builder
		for _, dev := range []string{"eth0", "eth1", "lo"} {
			if q, ok := f.qdiscs[node][dev]; ok {
				b.WriteString(q + "\n")
			} else {
				fmt.Fprintf(&b, "qdisc noqueue 0: dev %s root refcnt 2\n", dev)
			}
		}
		return control.Result{Stdout: []byte(b.String())}, nil
	case len(a) >= 7 && a[0] == "tc" && (a[2] == "replace" || a[2] == "add") && a[5] == "root" && a[6] == "netem":
		if !c.Sudo {
			return control.Result{ExitCode: 2, Stderr: []byte("RTNETLINK answers: Operation not permitted")}, nil
		}
		if f.noNetem {
			return control.Result{ExitCode: 2, Stderr: []byte("Error: Specified qdisc kind is unknown.\n")}, nil
		}
		f.qdiscs[node][a[4]] = fmt.Sprintf("qdisc netem 8001: dev %s root refcnt 2 limit 1000 %s", a[4], strings.Join(a[7:], " "))
		return control.Result{}, nil
	case len(a) == 6 && a[0] == "tc" && a[2] == "del" && a[5] == "root":
		if _, ok := f.qdiscs[node][a[4]]; !ok {
			return control.Result{ExitCode: 2, Stderr: []byte("Error: Cannot delete qdisc with handle of zero.")}, nil
		}
		delete(f.qdiscs[node], a[4])
		return control.Result{}, nil
	}
	if a[0] == "iptables" {
		return control.Result{ExitCode: 1}, nil // no faultline chain
	}
	return control.Result{}, nil // anything else of HealAll succeeds
}

// commands lists r's commands as plain argv lines, "sudo " in front when sudo.
func commands(r *dummy.Remote) []string {
	var out []string
	for _, c := range r.Calls() {
		l := strings.Join(c.Argv, " ")
		if c.Sudo {
			l = "sudo " + l
		}
		out = append(out, l)
	}
	return out
}

func TestNetemApplyHealExactArgv(t *testing.T) {
	f, env, rs := newFakeTC(t, 3)
	n, err := NewNetem(env, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// The probe installed and removed a netem qdisc on lo, nothing else.
	if got, want := commands(rs["n1"]), []string{"sudo tc qdisc add dev lo root netem delay 0ms", "sudo tc qdisc del dev lo root"}; !slices.Equal(got, want) {
		t.Errorf("probe commands %q, want %q", got, want)
	}
	// Someone else's qdisc on eth1 must survive everything below.
	f.qdiscs["n2"]["eth1"] = "qdisc htb 1: dev eth1 root refcnt 2 r2q 10"
	rs["n1"].Reset()
	op := n.Invoke(context.Background(), history.Op{Process: history.Nemesis, Type: history.Invoke, F: "start-netem", Value: json.RawMessage(`"flaky"`)})
	if op.Type != history.OK {
		t.Fatalf("start-netem: %+v", op)
	}
	var s Shape
	if err := json.Unmarshal(op.Value, &s); err != nil || s != (Shape{DelayMs: 100, JitterMs: 50, LossPct: 5}) {
		t.Errorf("completion value %s (%v)", op.Value, err)
	}
	want := []string{
		"ip -o route get 198.18.0.12",
		"sudo tc qdisc replace dev eth0 root netem delay 100ms 50ms loss 5%",
		"tc qdisc show",
	}
	if got := commands(rs["n1"]); !slices.Equal(got, want) {
		t.Errorf("n1 commands:\n got %q\nwant %q", got, want)
	}
	res, err := n.Residue(context.Background())
	if err != nil || len(res) != 3 || !strings.HasPrefix(res[0], "n1: netem qdisc on eth0: qdisc netem") {
		t.Errorf("residue while shaped: %q, %v", res, err)
	}
	if op := n.Invoke(context.Background(), history.Op{Process: history.Nemesis, Type: history.Invoke, F: "stop-netem"}); op.Type != history.OK {
		t.Fatalf("stop-netem: %+v", op)
	}
	res, err = n.Residue(context.Background())
	if err != nil || len(res) != 0 {
		t.Errorf("residue after heal: %q, %v", res, err)
	}
	if f.qdiscs["n2"]["eth1"] == "" {
		t.Error("heal removed a qdisc that is not netem")
	}
	for node, r := range rs {
		for _, c := range commands(r) {
			if strings.Contains(c, " del ") && !strings.Contains(c, "dev eth0 root") && !strings.Contains(c, "dev lo root") {
				t.Errorf("%s: deleted something it did not install: %q", node, c)
			}
		}
	}
	// Heal is idempotent on a clean cluster: no deletes.
	rs["n3"].Reset()
	if err := n.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := commands(rs["n3"]); !slices.Equal(got, []string{"tc qdisc show"}) {
		t.Errorf("heal of a clean node ran %q", got)
	}
}

func TestNetemRefusedWithoutKernelSupport(t *testing.T) {
	f, env, _ := newFakeTC(t, 3)
	f.noNetem = true
	_, err := NewNetem(env, rand.New(rand.NewPCG(1, 1)))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "sch_netem") {
		t.Fatalf("NewNetem on a kernel without netem: %v", err)
	}
	// HealAll and ResidueAll still cover netem (without probing).
	env.Target = nil
	if err := HealAll(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	f.qdiscs["n2"]["eth0"] = "qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 50ms"
	res, err := ResidueAll(context.Background(), env)
	if err != nil || !slices.Contains(res, "n2: netem qdisc on eth0: "+f.qdiscs["n2"]["eth0"]) {
		t.Errorf("ResidueAll misses a netem qdisc left behind: %q, %v", res, err)
	}
}

func TestNetemValues(t *testing.T) {
	_, env, _ := newFakeTC(t, 2)
	n, err := newNetem(env, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		value string
		want  Shape
		err   string
	}{
		{`"slow"`, Shape{DelayMs: 50, JitterMs: 10}, ""},
		{`{"delay_ms": 20, "jitter_ms": 5, "loss_pct": 0.5}`, Shape{DelayMs: 20, JitterMs: 5, LossPct: 0.5}, ""},
		{`"glacial"`, Shape{}, "profile \"glacial\" unknown"},
		{`{"delay": 20}`, Shape{}, "neither a profile"},
		{`{"delay_ms": 0}`, Shape{}, "shapes nothing"},
		{`{"delay_ms": 5, "jitter_ms": 10}`, Shape{}, "jitter larger"},
		{`{"delay_ms": 5, "loss_pct": 101}`, Shape{}, "loss between 0 and 100"},
	} {
		s, err := n.shapeFor(json.RawMessage(tc.value))
		switch {
		case tc.err == "" && (err != nil || s != tc.want):
			t.Errorf("%s: %+v, %v; want %+v", tc.value, s, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.value, err, tc.err)
		}
	}
	s, err := n.shapeFor(nil)
	if err != nil || s.DelayMs == 0 {
		t.Errorf("drawn shape %+v, %v", s, err)
	}
	if got := strings.Join((Shape{DelayMs: 1.5, LossPct: 10}).argv("veth0"), " "); got != "tc qdisc replace dev veth0 root netem delay 1.5ms loss 10%" {
		t.Errorf("argv %q", got)
	}
}

func TestParseNetemQdiscs(t *testing.T) {
	out := `qdisc noqueue 0: dev lo root refcnt 2
qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 50ms  10ms
qdisc netem 8002: dev eth1 parent 1:1 limit 1000 delay 5ms
qdisc htb 1: dev eth1 root refcnt 2 r2q 10
`
	qs := parseNetemQdiscs(out)
	if len(qs) != 1 || qs[0].dev != "eth0" {
		t.Errorf("root netem qdiscs %+v, want only eth0's", qs)
	}
}

func TestPlanSchedulesNetem(t *testing.T) {
	steps := Plan(5, []string{"netem"}, 10*time.Second, 60*time.Second)
	if len(steps) == 0 || steps[0].Op.F != "start-netem" || steps[1].Op.F != "stop-netem" {
		t.Fatalf("plan %v", steps)
	}
	var p string
	if err := json.Unmarshal(steps[0].Op.Value, &p); err != nil || !slices.Contains(NetemProfiles(), p) {
		t.Errorf("start-netem value %s is not a profile", steps[0].Op.Value)
	}
	if again := Plan(5, []string{"netem"}, 10*time.Second, 60*time.Second); FormatPlan(again) != FormatPlan(steps) {
		t.Error("the same seed gave a different plan")
	}
}
