package etcd

import (
	"context"
	"slices"
	"strings"
	"testing"

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
