package nemesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
)

// This file runs the partition nemesis against real iptables, inside
// network namespaces the test creates (its own names, its own subnet
// 198.19.250.0/24, a bridge inside its own namespace) and removes on
// cleanup. It needs root, ip and iptables; otherwise it is skipped.

// nsRemote runs argv inside a network namespace on this machine.
type nsRemote struct{ ns, node string }

func (r *nsRemote) Node() string { return r.node }
func (r *nsRemote) Close() error { return nil }
func (r *nsRemote) Upload(context.Context, string, string, os.FileMode) error {
	return errors.New("nsRemote: no upload")
}
func (r *nsRemote) Download(context.Context, string, string) error {
	return errors.New("nsRemote: no download")
}
func (r *nsRemote) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	c := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", r.ns}, cmd.Argv...)...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	res := control.Result{Stdout: out.Bytes(), Stderr: errb.Bytes()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		return res, &control.ExitError{Node: r.node, Argv: cmd.Argv, Code: res.ExitCode, Stderr: errb.String()}
	}
	if err != nil {
		return res, fmt.Errorf("nsRemote %s: %v: %w", r.node, err, control.ErrTransport)
	}
	return res, nil
}

// TestHelperListener is not a test: re-executed inside a namespace, it
// accepts TCP connections on port 22 until its parent kills it.
func TestHelperListener(t *testing.T) {
	if os.Getenv("FAULTLINE_NEMESIS_LISTEN") == "" {
		t.Skip("helper process only")
	}
	l, err := net.Listen("tcp", os.Getenv("FAULTLINE_NEMESIS_LISTEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			os.Exit(0)
		}
		c.Close()
	}
}

func sh(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v: %s", argv, err, out)
	}
}

func TestPartitionRealIptablesInNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, bin := range []string{"ip", "iptables", "timeout", "bash"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s", bin)
		}
	}
	id := fmt.Sprintf("fltnem%d", os.Getpid()%100000)
	hub := id + "h"
	sh(t, "ip", "netns", "add", hub)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", hub).Run() })
	sh(t, "ip", "-n", hub, "link", "add", "br0", "type", "bridge")
	sh(t, "ip", "-n", hub, "link", "set", "br0", "up")

	env := Env{Addrs: map[string]string{}, Remotes: map[string]control.Remote{}}
	for i := 1; i <= 3; i++ {
		name, ns := fmt.Sprintf("n%d", i), fmt.Sprintf("%sn%d", id, i)
		ip := fmt.Sprintf("198.19.250.%d", 10+i)
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		sh(t, "ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p"+name, "netns", hub)
		sh(t, "ip", "-n", hub, "link", "set", "p"+name, "master", "br0", "up")
		sh(t, "ip", "-n", ns, "addr", "add", ip+"/24", "dev", "eth0")
		sh(t, "ip", "-n", ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", ns, "link", "set", "lo", "up")
		lis := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestHelperListener$")
		lis.Env = append(os.Environ(), "FAULTLINE_NEMESIS_LISTEN="+ip+":22")
		if err := lis.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lis.Process.Kill(); lis.Wait() })
		env.Nodes = append(env.Nodes, name)
		env.Addrs[name] = ip
		env.Remotes[name] = &nsRemote{ns: ns, node: name}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := NewPartition(env, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the listeners (and links) before partitioning.
	for i := 0; ; i++ {
		ok1, _ := p.probe(ctx, "n1", "n3")
		ok2, _ := p.probe(ctx, "n1", "n2")
		if ok1 && ok2 {
			break
		}
		if i == 50 {
			t.Fatal("namespace nodes never became reachable")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { p.Heal(context.Background()) })

	done := p.Invoke(ctx, startOp(`{"n1":["n3"],"n3":["n1"]}`))
	if done.Type != history.OK {
		t.Fatalf("start-partition on real iptables = %s %q", done.Type, done.Error)
	}
	if reach, err := p.probe(ctx, "n3", "n1"); err != nil || reach {
		t.Fatalf("n3 still reaches n1: %v %v", reach, err)
	}
	res, err := p.Residue(ctx)
	if err != nil || len(res) != 6 {
		t.Fatalf("residue while partitioned: %q %v", res, err)
	}
	// A second jump (a crashed controller's) and a re-apply stay ours.
	if _, err := p.run(ctx, "n2", ipt("-I", "INPUT", "1", "-j", Chain)); err != nil {
		t.Fatal(err)
	}
	if done := p.Invoke(ctx, startOp(`"bridge"`)); done.Type != history.OK {
		t.Fatalf("bridge = %s %q", done.Type, done.Error)
	}
	if done := p.Invoke(ctx, history.Op{F: "stop-partition"}); done.Type != history.OK {
		t.Fatalf("stop-partition = %s %q", done.Type, done.Error)
	}
	if res, err := p.Residue(ctx); err != nil || res != nil {
		t.Fatalf("residue after heal: %q %v", res, err)
	}
	if reach, _ := p.probe(ctx, "n3", "n1"); !reach {
		t.Fatal("n3 cannot reach n1 after heal")
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatalf("heal on a clean cluster: %v", err)
	}
	out, _ := env.Remotes["n1"].Run(ctx, ipt("-S"))
	if want := "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"; !slices.Equal(out.Stdout, []byte(want)) {
		t.Fatalf("n1 firewall after heal:\n%s", out.Stdout)
	}
}
