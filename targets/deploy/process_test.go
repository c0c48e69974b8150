package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/control/local"
)

// fakeNode plays one node's process table for a dummy.Remote: the start
// script starts a process with the next pid, the pid script names it while
// it runs, kill -s KILL ends it. foreign makes the pidfile name a process
// that is not ours, so the pid script prints nothing.
type fakeNode struct {
	mu      sync.Mutex
	pid     int
	running bool
	foreign bool
}

func (f *fakeNode) handle(c dummy.Call) (control.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case len(c.Argv) > 2 && c.Argv[2] == pidScript:
		if f.running && !f.foreign {
			return control.Result{Stdout: []byte(strconv.Itoa(f.pid) + "\n")}, nil
		}
	case len(c.Argv) > 2 && c.Argv[2] == startScript:
		f.pid++
		f.running = true
	case len(c.Argv) == 4 && c.Argv[0] == "kill" && c.Argv[2] == "KILL":
		f.running = false
	}
	return control.Result{}, nil
}

// lines returns the calls r recorded since the last lines, as shell lines.
func lines(r *dummy.Remote, from *int) []string {
	calls := r.Calls()
	var out []string
	for _, c := range calls[*from:] {
		out = append(out, c.String())
	}
	*from = len(calls)
	return out
}

// TestProcessCommandLines checks the exact commands the process control
// sends to a node: the pid check before every signal, the detached start
// with the node's arguments, the same start again to restart after a
// kill, and no signal at all when the pidfile names a process that is not
// ours.
func TestProcessCommandLines(t *testing.T) {
	ctx := context.Background()
	n1, n2 := dummy.New("n1"), dummy.New("n2")
	f := &fakeNode{pid: 4241}
	n1.Handle(f.handle)
	p := Process{
		Daemon: Daemon{Name: "x", Sudo: true},
		Nodes:  []Node{{Name: "n1", Address: "10.0.0.1", Remote: n1}, {Name: "n2", Address: "10.0.0.2", Remote: n2}},
		Args:   func(n Node) []string { return []string{"--id", n.Name, "--addr", n.Address} },
	}
	pid := "sudo " + control.Quote([]string{"sh", "-c", pidScript, "pid", "/opt/faultline/run/x.pid", "/opt/faultline/bin/x"})
	start := "sudo " + control.Quote([]string{"sh", "-c", startScript, "start", "/opt/faultline/log/x.log",
		"/opt/faultline/run/x.pid", "/opt/faultline/bin/x", "--id", "n1", "--addr", "10.0.0.1"})
	kill := func(sig, pid string) string { return "sudo " + control.Quote([]string{"kill", "-s", sig, pid}) }
	from := 0
	step := func(what string, err error, want ...string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := lines(n1, &from); !slices.Equal(got, want) {
			t.Fatalf("%s sent\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	step("Start", p.Start(ctx, "n1"), pid, start, pid)
	step("Start of a running process", p.Start(ctx, "n1"), pid)
	step("Pause", p.Pause(ctx, "n1"), pid, kill("STOP", "4242"))
	step("Resume", p.Resume(ctx, "n1"), pid, kill("CONT", "4242"))
	step("Kill", p.Kill(ctx, "n1"), pid, kill("CONT", "4242"), pid, kill("KILL", "4242"), pid)
	step("Pause of a killed process", p.Pause(ctx, "n1"), pid)
	step("restart after Kill", p.Start(ctx, "n1"), pid, start, pid)
	step("Pause after the restart", p.Pause(ctx, "n1"), pid, kill("STOP", "4243"))

	// A pidfile naming a process that is not ours: checked, never signalled.
	f.mu.Lock()
	f.foreign = true
	f.mu.Unlock()
	step("Kill of a foreign pid", p.Kill(ctx, "n1"), pid, pid, pid)
	step("Pause of a foreign pid", p.Pause(ctx, "n1"), pid)
	step("Resume of a foreign pid", p.Resume(ctx, "n1"), pid)

	if len(n2.Calls()) != 0 {
		t.Errorf("controlling n1 sent to n2: %q", n2.Commands())
	}
	if err := p.Kill(ctx, "n9"); err == nil || !strings.Contains(err.Error(), `no node "n9"`) {
		t.Errorf("Kill of an unknown node: %v", err)
	}
}

// TestProcessLifecycle drives a real process on this machine through
// control/local: Setup, a pause that Residue reports, resume, kill -9,
// a restart with the same command line, log collection and Teardown.
func TestProcessLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := local.New("n1")
	d := Daemon{Name: "sleeper", Dir: filepath.Join(dir, "node")}
	ready := 0
	p := Process{
		Daemon: d, Binary: "/bin/sleep",
		Nodes: []Node{{Name: "n1", Address: "127.0.0.1", Remote: r}},
		Args:  func(Node) []string { return []string{"300"} },
		Ready: func(ctx context.Context, n Node) error {
			ready++
			if pid, err := d.Pid(ctx, n.Remote); err != nil || pid == 0 {
				return errors.Join(errors.New("not running"), err)
			}
			return nil
		},
	}
	t.Cleanup(func() { d.Kill(ctx, r) })
	if err := p.Setup(ctx); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if ready == 0 {
		t.Error("Setup did not wait for the readiness probe")
	}
	pid1, _ := d.Pid(ctx, r)
	if pid1 == 0 {
		t.Fatal("no process after Setup")
	}
	if err := p.Pause(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { res, _ := p.Residue(ctx); return len(res) == 1 }, "a stopped process in Residue")
	if res, _ := p.Residue(ctx); res[0] != "n1: sleeper is stopped (SIGSTOP)" {
		t.Errorf("Residue = %q", res)
	}
	if err := p.Resume(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { res, _ := p.Residue(ctx); return len(res) == 0 }, "no residue after Resume")
	if err := p.Kill(ctx, "n1"); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if pid, _ := d.Pid(ctx, r); pid != 0 {
		t.Fatalf("pid %d alive after Kill", pid)
	}
	if err := p.Start(ctx, "n1"); err != nil {
		t.Fatalf("restart: %v", err)
	}
	pid2, _ := d.Pid(ctx, r)
	if pid2 == 0 || pid2 == pid1 {
		t.Fatalf("restart after Kill: pid %d (was %d)", pid2, pid1)
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid2) + "/cmdline")
	if err != nil || !bytes.Equal(cmdline, []byte(d.Bin()+"\x00300\x00")) {
		t.Errorf("restarted command line %q, %v; want the same binary and arguments", cmdline, err)
	}
	logs := filepath.Join(dir, "logs")
	if err := p.CollectLogs(ctx, logs); err != nil {
		t.Fatalf("CollectLogs: %v", err)
	}
	if _, err := os.Stat(filepath.Join(logs, "n1", "sleeper.log")); err != nil {
		t.Errorf("log not collected: %v", err)
	}
	if err := p.Teardown(ctx); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	if pid, _ := d.Pid(ctx, r); pid != 0 {
		t.Errorf("pid %d alive after Teardown", pid)
	}
}

// TestWaitReadyNamesTheNode: a process that never gets ready is reported
// with its node, its program and the last probe's error.
func TestWaitReadyNamesTheNode(t *testing.T) {
	p := Process{
		Daemon:       Daemon{Name: "x"},
		Nodes:        []Node{{Name: "n1", Remote: dummy.New("n1")}},
		Ready:        func(context.Context, Node) error { return errors.New("connection refused") },
		ReadyTimeout: 50 * time.Millisecond, ReadyPoll: 10 * time.Millisecond,
	}
	err := p.WaitReady(context.Background(), "n1")
	for _, want := range []string{"n1", "x did not come up within 50ms", "connection refused"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WaitReady = %v; want it to mention %q", err, want)
		}
	}
}
