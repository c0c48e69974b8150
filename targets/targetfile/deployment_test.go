package targetfile

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/control/local"
	"github.com/faultline/faultline/targets"
)

// fakeNode plays one node for a dummy.Remote, the way deploy's and etcd's
// tests do: deploy's start script starts a process with the next pid, its
// pid check names it while it runs, kill -s KILL or TERM ends it. The
// check script answers check; a start records the files on the node at
// that moment.
type fakeNode struct {
	r *dummy.Remote

	mu      sync.Mutex
	pid     int
	running bool
	check   string          // what the check script prints
	hasLog  bool            // test -f of the file's log succeeds
	tail    string          // what tail prints
	starts  [][]string      // argv after "start" of every start
	atStart map[string]bool // node paths present at the first start
}

var watched = []string{"/opt/faultline/zookeeper/zoo.cfg", "/opt/faultline/zookeeper/extra.jar", "/opt/faultline/zookeeper/data/myid"}

func (f *fakeNode) handle(c dummy.Call) (control.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := c.Argv
	sh := len(a) > 3 && a[0] == "sh" && a[1] == "-c"
	switch {
	case sh && a[3] == "check":
		return control.Result{Stdout: []byte(f.check)}, nil
	case sh && a[3] == "pid" && f.running:
		return control.Result{Stdout: []byte(strconv.Itoa(f.pid) + "\n")}, nil
	case sh && a[3] == "start":
		f.pid++
		f.running = true
		f.starts = append(f.starts, slices.Clone(a[4:]))
		if f.atStart == nil {
			f.atStart = map[string]bool{}
			for _, p := range watched {
				_, f.atStart[p] = f.r.File(p)
			}
		}
	case len(a) == 4 && a[0] == "kill" && (a[2] == "KILL" || a[2] == "TERM"):
		f.running = false
	case len(a) == 3 && a[0] == "test" && !f.hasLog:
		return control.Result{ExitCode: 1}, nil
	case a[0] == "tail":
		return control.Result{Stdout: []byte(f.tail)}, nil
	}
	return control.Result{}, nil
}

// cluster is three fake nodes, all at 127.0.0.1 (the readiness probe
// connects to the address, and tests dial only loopback).
func cluster(addr string) ([]targets.Node, map[string]*fakeNode) {
	fakes := map[string]*fakeNode{}
	var nodes []targets.Node
	for _, name := range []string{"n1", "n2", "n3"} {
		r := dummy.New(name)
		f := &fakeNode{r: r, pid: 100}
		r.Handle(f.handle)
		fakes[name] = f
		nodes = append(nodes, targets.Node{Name: name, Address: addr, Remote: r})
	}
	return nodes, fakes
}

// listen is a loopback listener that accepts and closes, and its port.
func listen(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// sample is the sample file with the client port replaced (and more
// replacements, old new pairs), parsed as if it were in testdata/.
func sample(t *testing.T, port int, repl ...string) *File {
	t.Helper()
	data, err := os.ReadFile("testdata/zookeeper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "client: 2181", "client: "+strconv.Itoa(port), 1)
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(s, repl[i]) {
			t.Fatalf("the sample has no %q", repl[i])
		}
		s = strings.Replace(s, repl[i], repl[i+1], 1)
	}
	f, err := Parse("testdata/zk-test.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func env(f *File, mode string, nodes []targets.Node) targets.Env {
	m, _ := f.mode(mode)
	return targets.Env{Mode: m.Mode, Nodes: nodes, Sudo: true, Options: map[string]string{"zk-heap": "512m"}}
}

// TestDeploySetup deploys the sample through fake nodes: the program and
// packages are checked, the upload and the rendered files are on each node
// before the daemon starts, the daemon runs the program with the rendered
// arguments under its pidfile, and the readiness probe connects.
func TestDeploySetup(t *testing.T) {
	ctx := context.Background()
	port := listen(t)
	f := sample(t, port)
	nodes, fakes := cluster("127.0.0.1")
	dep, err := f.Deploy(env(f, "plain-reads", nodes))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if len(n.Remote.(*dummy.Remote).Calls()) != 0 {
			t.Fatalf("Deploy touched %s", n.Name)
		}
	}
	d, ok := Of(dep)
	if !ok {
		t.Fatalf("Of(%T) found no *Deployment", dep)
	}
	if err := dep.Setup(ctx); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	base := "/opt/faultline/zookeeper"
	wantArgs := []string{base + "/log/zookeeper.log", base + "/run/zookeeper.pid", "/usr/bin/java",
		"-Xmx512m", "-cp", "/usr/share/java/zookeeper.jar:" + base + "/extra.jar",
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", base + "/zoo.cfg"}
	zoo := "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=" + base + "/data\nclientPort=" + strconv.Itoa(port) + "\n" +
		"server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2888:3888\nserver.3=127.0.0.1:2888:3888\n\n"
	jar, _ := os.ReadFile("testdata/client/extra.jar")
	for i, n := range nodes {
		r, fk := n.Remote.(*dummy.Remote), fakes[n.Name]
		calls := r.Calls()
		if len(calls) == 0 || calls[0].Argv[3] != "check" || !calls[0].Sudo ||
			!slices.Equal(calls[0].Argv[4:], []string{"/usr/bin/java", "zookeeper"}) {
			t.Errorf("%s: first command %v; want the check of the program and packages", n.Name, calls[0])
		}
		for _, c := range calls {
			if slices.Contains(c.Argv, "apt-get") || slices.Contains(c.Argv, "apt") {
				t.Errorf("%s: Setup ran %s: nodes must not install packages", n.Name, c)
			}
		}
		if len(fk.starts) != 1 || !slices.Equal(fk.starts[0], wantArgs) {
			t.Errorf("%s: starts %q; want one with %q", n.Name, fk.starts, wantArgs)
		}
		for _, p := range watched {
			if !fk.atStart[p] {
				t.Errorf("%s: %s was not on the node when the daemon started", n.Name, p)
			}
		}
		if got, _ := r.File(base + "/zoo.cfg"); string(got) != zoo {
			t.Errorf("%s: zoo.cfg =\n%s\nwant\n%s", n.Name, got, zoo)
		}
		if got, _ := r.File(base + "/data/myid"); string(got) != strconv.Itoa(i+1)+"\n" {
			t.Errorf("%s: myid = %q", n.Name, got)
		}
		if got, _ := r.File(base + "/extra.jar"); string(got) != string(jar) {
			t.Errorf("%s: extra.jar = %q", n.Name, got)
		}
		for _, u := range r.Uploads() {
			if u.Mode != 0o644 {
				t.Errorf("%s: %s uploaded with mode %o; want 0644", n.Name, u.Path, u.Mode)
			}
		}
		cmds := strings.Join(r.Commands(), "\n")
		for _, want := range []string{
			"sudo 'rm' -rf " + base + "/data " + base + "/log/zookeeper.log " + base + "/run/zookeeper.pid",
			"sudo 'rm' -f -- " + base + "/log/zookeeper.log",
			"sudo 'mkdir' -p " + base + "/log " + base + "/run " + base + "/data",
			"sudo 'mkdir' -p -- " + base + "/data/version-2 " + base + " " + base + "/data",
		} {
			if !strings.Contains(cmds, want) {
				t.Errorf("%s: no %q among\n%s", n.Name, want, cmds)
			}
		}
		if strings.Contains(cmds, "/opt/faultline/bin") || strings.Contains(cmds, "'rm' -rf /opt/faultline/data") {
			t.Errorf("%s: Setup touched faultline-node's directories:\n%s", n.Name, cmds)
		}
	}

	// The client's command for a node, rendered with the mode's vars.
	argv, envv, err := d.ClientCommand("n2")
	abs, _ := filepath.Abs("testdata")
	wantArgv := []string{"python3", abs + "/client.py", "--reads", "plain", "--server", "127.0.0.1:" + strconv.Itoa(port)}
	if err != nil || !slices.Equal(argv, wantArgv) || !slices.Equal(envv, []string{"PYTHONUNBUFFERED=1"}) {
		t.Errorf("ClientCommand(n2) = %q, %q, %v; want %q", argv, envv, err, wantArgv)
	}
	if _, _, err := d.ClientCommand("n9"); err == nil {
		t.Error("ClientCommand of an unknown node succeeded")
	}
	if d.Mode().Name != "plain-reads" || d.Mode().Vars["reads"] != "plain" || d.File() != f || !d.Env().Sudo {
		t.Errorf("mode %+v", d.Mode())
	}
}

// TestProcessControl: the kill and pause nemeses' calls reach the daemon
// on the named node only, through deploy's pidfile control: a pid check
// before every signal, and the restart after a kill with the same
// command line.
func TestProcessControl(t *testing.T) {
	ctx := context.Background()
	f := sample(t, 2181)
	nodes, fakes := cluster("10.0.0.1")
	dep, err := f.Deploy(env(f, "", nodes))
	if err != nil {
		t.Fatal(err)
	}
	kp, ok := dep.(interface {
		targets.Killer
		targets.Pauser
	})
	if !ok {
		t.Fatalf("%T does not implement Killer and Pauser; the file supports kill and pause", dep)
	}
	for _, step := range []struct {
		what string
		do   func(context.Context, string) error
	}{{"Start", kp.Start}, {"Pause", kp.Pause}, {"Resume", kp.Resume}, {"Kill", kp.Kill}, {"restart", kp.Start}} {
		if err := step.do(ctx, "n2"); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
	}
	r := nodes[1].Remote.(*dummy.Remote)
	var signals []string
	calls := r.Calls()
	for i, c := range calls {
		if c.Argv[0] == "kill" {
			signals = append(signals, strings.Join(c.Argv, " "))
			if prev := calls[i-1].Argv; len(prev) < 4 || prev[3] != "pid" ||
				!slices.Equal(prev[4:], []string{"/opt/faultline/zookeeper/run/zookeeper.pid", "/usr/bin/java"}) {
				t.Errorf("%q was not preceded by the pid check of the program but by %q", c.Argv, prev)
			}
			if !c.Sudo {
				t.Errorf("%q without sudo", c.Argv)
			}
		}
	}
	want := []string{"kill -s STOP 101", "kill -s CONT 101", "kill -s CONT 101", "kill -s KILL 101"}
	if !slices.Equal(signals, want) {
		t.Errorf("signals %q; want %q", signals, want)
	}
	fk := fakes["n2"]
	if len(fk.starts) != 2 || !slices.Equal(fk.starts[0], fk.starts[1]) || fk.starts[0][2] != "/usr/bin/java" || !fk.running || fk.pid != 102 {
		t.Errorf("starts %q (running %v pid %d); want the restart to repeat the first start", fk.starts, fk.running, fk.pid)
	}
	for _, n := range []string{"n1", "n3"} {
		if c := fakes[n].r.Calls(); len(c) != 0 {
			t.Errorf("controlling n2 sent to %s: %q", n, fakes[n].r.Commands())
		}
	}
	if err := kp.Kill(ctx, "n9"); err == nil {
		t.Error("Kill of an unknown node succeeded")
	}

	// Teardown stops it (CONT, TERM); Residue is clean.
	if err := dep.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if fk.running {
		t.Error("the daemon runs after Teardown")
	}
	if res, err := dep.Residue(ctx); err != nil || len(res) != 0 {
		t.Errorf("Residue = %q, %v", res, err)
	}
}

// TestSupportsDecideCapabilities: a deployment implements Killer and
// Pauser exactly when the file supports kill and pause.
func TestSupportsDecideCapabilities(t *testing.T) {
	nodes, _ := cluster("10.0.0.1")
	for _, tc := range []struct {
		supports    string
		kill, pause bool
	}{{"[]", false, false}, {"[kill]", true, false}, {"[pause]", false, true}, {"[kill, pause, clock-system]", true, true}} {
		f := sample(t, 2181, "supports: [kill, pause]", "supports: "+tc.supports)
		dep, err := f.Deploy(env(f, "sync-reads", nodes))
		if err != nil {
			t.Fatal(err)
		}
		_, k := dep.(targets.Killer)
		_, p := dep.(targets.Pauser)
		if k != tc.kill || p != tc.pause {
			t.Errorf("supports %s: Killer %v Pauser %v; want %v %v", tc.supports, k, p, tc.kill, tc.pause)
		}
		if _, ok := Of(dep); !ok {
			t.Errorf("supports %s: Of(%T) found nothing", tc.supports, dep)
		}
		if f.Target().Supports.ClockSystem != strings.Contains(tc.supports, "clock-system") {
			t.Errorf("supports %s: %+v", tc.supports, f.Target().Supports)
		}
	}
}

// TestSetupRefusesMissingPackages: a node without the packages or the
// program is refused with what to install, and nothing is started.
func TestSetupRefusesMissingPackages(t *testing.T) {
	for _, tc := range []struct{ check, want string }{
		{"package zookeeper\n", "n2: packages not installed: zookeeper (install them on every node, e.g. apt-get install zookeeper"},
		{"program\n", "n2: program /usr/bin/java (testdata/zk-test.yaml) is not an executable file on the node"},
		{"script\n", "n2: program /usr/bin/java (testdata/zk-test.yaml) is a script (#!)"},
	} {
		f := sample(t, 2181)
		nodes, fakes := cluster("10.0.0.1")
		fakes["n2"].check = tc.check
		dep, err := f.Deploy(env(f, "", nodes))
		if err != nil {
			t.Fatal(err)
		}
		err = dep.Setup(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Setup = %v; want %q", err, tc.want)
		}
		for _, fk := range fakes {
			if len(fk.starts) != 0 || len(fk.r.Uploads()) != 0 {
				t.Errorf("%s: started %q, uploaded %d files after a failed check", fk.r.Node(), fk.starts, len(fk.r.Uploads()))
			}
		}
	}
}

// TestSetupNotReady: a daemon that never passes the probe is reported with
// the node, the probe's last error and the tails of its logs.
func TestSetupNotReady(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens: connection refused
	f := sample(t, port, "timeout: 60s", "timeout: 300ms")
	nodes, fakes := cluster("127.0.0.1")
	for _, fk := range fakes {
		fk.tail = "java.net.BindException: Address already in use"
	}
	dep, err := f.Deploy(env(f, "", nodes))
	if err != nil {
		t.Fatal(err)
	}
	err = dep.Setup(context.Background())
	for _, want := range []string{"n1: zookeeper did not come up within 300ms", "ready.tcp:", "connection refused",
		"log tail:\njava.net.BindException", "/opt/faultline/zookeeper/log/zookeeper.log tail:\njava.net.BindException"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Setup = %v; want it to contain %q", err, want)
		}
	}

	// A daemon that exited is named as such.
	fakes["n1"].running = false
	d, _ := Of(dep)
	if err := d.probe(context.Background(), nodes[0]); err == nil || !strings.Contains(err.Error(), "/usr/bin/java is not running") {
		t.Errorf("probe of a stopped daemon = %v", err)
	}
}

// TestReadyCommand: a command probe runs on the node, rendered; a
// failing one is the probe's error.
func TestReadyCommand(t *testing.T) {
	f := sample(t, 2181, `  tcp: "{{.Address}}:{{.Port \"client\"}}"`, `  command: [sh, -c, "echo ruok | nc {{.Address}} {{.Port \"client\"}}"]`)
	nodes, fakes := cluster("10.0.0.1")
	dep, err := f.Deploy(env(f, "", nodes))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Of(dep)
	fakes["n1"].running = true
	r := nodes[0].Remote.(*dummy.Remote)
	if err := d.probe(context.Background(), nodes[0]); err != nil {
		t.Fatal(err)
	}
	calls := r.Calls()
	last := calls[len(calls)-1]
	if !slices.Equal(last.Argv, []string{"sh", "-c", "echo ruok | nc 10.0.0.1 2181"}) || !last.Sudo {
		t.Errorf("probe ran %v", last)
	}
	r.On([]string{"sh", "-c", "echo ruok | nc 10.0.0.1 2181"}, control.Result{ExitCode: 1, Stderr: []byte("nc: refused")})
	if err := d.probe(context.Background(), nodes[0]); err == nil || !strings.Contains(err.Error(), "ready.command:") || !strings.Contains(err.Error(), "nc: refused") {
		t.Errorf("failing probe = %v", err)
	}
}

// TestCollectLogs: the daemon's log and the file's own logs that exist
// are fetched; a name both share is told apart.
func TestCollectLogs(t *testing.T) {
	f := sample(t, 2181)
	nodes, fakes := cluster("10.0.0.1")
	dep, err := f.Deploy(env(f, "", nodes))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		n.Remote.(*dummy.Remote).SetFile("/opt/faultline/zookeeper/log/zookeeper.log", []byte("stdout of "+n.Name), 0o644)
	}
	// The file's log (the same path, here) exists on n1 only.
	fakes["n1"].hasLog = true
	dir := t.TempDir()
	if err := dep.CollectLogs(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want string
	}{
		{"n1/zookeeper.log", "stdout of n1"}, {"n2/zookeeper.log", "stdout of n2"},
		{"n1/1-zookeeper.log", "stdout of n1"}, {"n2/1-zookeeper.log", ""},
	} {
		got, err := os.ReadFile(filepath.Join(dir, tc.path))
		switch {
		case tc.want == "" && !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: %q, %v; want no file (the log was never written)", tc.path, got, err)
		case tc.want != "" && string(got) != tc.want:
			t.Errorf("%s: %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
}

// TestDeployErrors: a template that fails only for one node is refused
// by Deploy naming the file, line, field and node; an unknown mode too.
func TestDeployErrors(t *testing.T) {
	f := sample(t, 2181, `"-cp",`, `"-cp{{if eq .Address \"10.9.9.9\"}}{{.Vars.nope}}{{end}}",`)
	nodes, _ := cluster("10.0.0.1")
	nodes[1].Address = "10.9.9.9"
	_, err := f.Deploy(env(f, "sync-reads", nodes))
	want := `testdata/zk-test.yaml:8: start[1]: node n2: <.Vars.nope>: map has no entry for key "nope" (mode sync-reads has vars: reads; declare nope under vars: of every mode)`
	if err == nil || err.Error() != want {
		t.Errorf("Deploy = %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrTargetFile) {
		t.Errorf("not an ErrTargetFile: %v", err)
	}
	_, err = f.Deploy(targets.Env{Mode: targets.Mode{Name: "nope"}, Nodes: nodes})
	if err == nil || !strings.Contains(err.Error(), `mode "nope" is not declared (modes: sync-reads, plain-reads)`) {
		t.Errorf("Deploy of an unknown mode = %v", err)
	}
	// Options not given take their defaults.
	nodes, _ = cluster("10.0.0.1")
	dep, err := f.Deploy(targets.Env{Mode: targets.Mode{Name: "sync-reads"}, Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Of(dep)
	if args, _ := d.Args("n1"); len(args) == 0 || args[0] != "-Xmx256m" {
		t.Errorf("args %q; want the option's default -Xmx256m", args)
	}
}

// TestCheckScript runs the program and package check on this machine
// (through control/local): an executable, a missing program, a #! script,
// and packages installed or not. It needs dpkg-query (Debian).
func TestCheckScript(t *testing.T) {
	if _, err := os.Stat("/usr/bin/dpkg-query"); err != nil {
		t.Skip("no dpkg-query here")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		program  string
		packages []string
		want     string // "" for no error
	}{
		{"/usr/bin/dpkg-query", []string{"dpkg"}, ""},
		{filepath.Join(dir, "nope"), nil, "is not an executable file on the node"},
		{dir, nil, "is not an executable file on the node"},
		{script, nil, "is a script (#!)"},
		{"/usr/bin/dpkg-query", []string{"dpkg", "faultline-no-such-package", "faultline-nor-this"},
			"packages not installed: faultline-no-such-package, faultline-nor-this (install them on every node, e.g. apt-get install faultline-no-such-package faultline-nor-this"},
	} {
		f := sample(t, 2181)
		f.Program, f.Packages = tc.program, tc.packages
		dep, err := f.Deploy(targets.Env{Mode: targets.Mode{Name: "sync-reads"}, Nodes: []targets.Node{{Name: "n1", Address: "127.0.0.1", Remote: local.New("n1")}}})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := Of(dep)
		err = d.check(context.Background(), d.Env().Nodes[0])
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %q: %v; want no error", tc.program, tc.packages, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %q: %v; want %q", tc.program, tc.packages, err, tc.want)
		}
	}
}
