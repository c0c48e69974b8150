package etcd

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/targets/deploy"
)

// The capabilities the nemeses find by type assertion: kill and pause yes,
// clock no (etcd reads the kernel clock, see the package doc).
var (
	_ run.Target      = (*Cluster)(nil)
	_ nemesis.Process = (*Cluster)(nil)
	_ nemesis.Pauser  = (*Cluster)(nil)
)

func TestClusterIsNoClocker(t *testing.T) {
	var p nemesis.Process = &Cluster{}
	if _, ok := p.(nemesis.Clocker); ok {
		t.Fatal("Cluster implements Clocker, but etcd cannot read faultline's clock file")
	}
	_, err := nemesis.New("clock", nemesis.Env{Nodes: []string{"n1"}, Target: p}, nil)
	if err == nil || !strings.Contains(err.Error(), "etcd.Cluster") {
		t.Fatalf("clock nemesis on etcd: %v; want a refusal naming the target", err)
	}
}

func testNodes() ([]deploy.Node, map[string]*dummy.Remote) {
	rs := map[string]*dummy.Remote{}
	var nodes []deploy.Node
	for i, a := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		name := "n" + string(rune('1'+i))
		rs[name] = dummy.New(name)
		nodes = append(nodes, deploy.Node{Name: name, Address: a, Remote: rs[name]})
	}
	return nodes, rs
}

// TestStartCommandLine checks a (re)started member's argv: the uploaded
// binary, its own URLs, every peer and the data directory under the node
// directory.
func TestStartCommandLine(t *testing.T) {
	nodes, rs := testNodes()
	c := &Cluster{Binary: "/usr/bin/etcd", Nodes: nodes, Daemon: deploy.Daemon{Name: "etcd"}}
	if err := c.Start(context.Background(), "n2"); err != nil {
		t.Fatal(err)
	}
	// The start is the call that runs the binary (Start then polls the
	// pidfile until the pid is the daemon's).
	var argv []string
	for _, c := range rs["n2"].Calls() {
		if slices.Contains(c.Argv, "/opt/faultline/bin/etcd") && slices.Contains(c.Argv, "--name") {
			argv = c.Argv
		}
	}
	want := []string{"/opt/faultline/bin/etcd", "--name", "n2", "--data-dir", "/opt/faultline/data/etcd",
		"--listen-client-urls", "http://10.0.0.2:2379", "--advertise-client-urls", "http://10.0.0.2:2379",
		"--listen-peer-urls", "http://10.0.0.2:2380", "--initial-advertise-peer-urls", "http://10.0.0.2:2380",
		"--initial-cluster", "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380"}
	i := slices.Index(argv, "/opt/faultline/bin/etcd")
	if i < 0 || len(argv) < i+len(want) || !slices.Equal(argv[i:i+len(want)], want) {
		t.Fatalf("start argv = %q\nwant it to contain %q", argv, want)
	}
	if len(rs["n1"].Calls()) != 0 {
		t.Error("starting n2 touched n1")
	}
	if got := c.ClientURL("n3"); got != "http://10.0.0.3:2379" {
		t.Errorf("ClientURL(n3) = %q", got)
	}
	if err := c.Kill(context.Background(), "n9"); err == nil {
		t.Error("Kill of an unknown node succeeded")
	}
}

// member plays a node's etcd process for a dummy.Remote: deploy's start
// script starts it with the next pid, deploy's pid check names it while it
// runs, kill -s KILL ends it.
type member struct {
	mu      sync.Mutex
	pid     int
	running bool
}

func (m *member) handle(c dummy.Call) (control.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case len(c.Argv) > 3 && c.Argv[0] == "sh" && c.Argv[3] == "pid" && m.running:
		return control.Result{Stdout: []byte(strconv.Itoa(m.pid) + "\n")}, nil
	case len(c.Argv) > 3 && c.Argv[0] == "sh" && c.Argv[3] == "start":
		m.pid++
		m.running = true
	case slices.Equal(c.Argv, []string{"kill", "-s", "KILL", strconv.Itoa(m.pid)}):
		m.running = false
	}
	return control.Result{}, nil
}

// TestMemberControl: the kill and pause nemeses' calls reach the member on
// the named node only, through deploy's process control: a pid check
// before every signal, and a restart after a kill with the member's own
// command line.
func TestMemberControl(t *testing.T) {
	ctx := context.Background()
	nodes, rs := testNodes()
	m := &member{pid: 99}
	rs["n2"].Handle(m.handle)
	c := &Cluster{Binary: "/usr/bin/etcd", Nodes: nodes, Daemon: deploy.Daemon{Name: "etcd"}}
	var starts [][]string
	kills := func() []string {
		var out []string
		for _, call := range rs["n2"].Calls() {
			if call.Argv[0] == "kill" {
				out = append(out, strings.Join(call.Argv, " "))
			}
		}
		return out
	}
	for _, step := range []struct {
		what string
		do   func(context.Context, string) error
	}{{"Start", c.Start}, {"Pause", c.Pause}, {"Resume", c.Resume}, {"Kill", c.Kill}, {"restart", c.Start}} {
		if err := step.do(ctx, "n2"); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
	}
	for i, call := range rs["n2"].Calls() {
		if call.Argv[0] == "kill" {
			if prev := rs["n2"].Calls()[i-1].Argv; len(prev) < 4 || prev[3] != "pid" {
				t.Errorf("%q was not preceded by the pid check but by %q", call.Argv, prev)
			}
		}
		if len(call.Argv) > 3 && call.Argv[3] == "start" {
			starts = append(starts, call.Argv[4:])
		}
	}
	want := []string{"kill -s STOP 100", "kill -s CONT 100", "kill -s CONT 100", "kill -s KILL 100"}
	if got := kills(); !slices.Equal(got, want) {
		t.Errorf("signals sent = %q; want %q", got, want)
	}
	if len(starts) != 2 || !slices.Equal(starts[0], starts[1]) || !slices.Contains(starts[1], "--initial-cluster") {
		t.Errorf("starts = %q; want the restart after Kill to repeat the first start", starts)
	}
	if m.pid != 101 || !m.running {
		t.Errorf("after the restart: pid %d running %v; want a new member, pid 101", m.pid, m.running)
	}
	for _, n := range []string{"n1", "n3"} {
		if len(rs[n].Calls()) != 0 {
			t.Errorf("controlling n2 sent to %s: %q", n, rs[n].Commands())
		}
	}
}
