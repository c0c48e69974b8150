package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/dummy"
	"github.com/faultline/faultline/control/local"
)

// TestDaemonLifecycle drives the real shell scripts on this machine through
// control/local: install, start detached with a pidfile, pause, resume,
// kill -9, and a pidfile naming a process that is not ours.
func TestDaemonLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := Daemon{Name: "sleeper", Dir: dir}
	r := local.New("n1")
	if err := d.Install(ctx, r, "/bin/sleep"); err != nil {
		t.Fatalf("Install: %v", err)
	}
	if pid, err := d.Pid(ctx, r); err != nil || pid != 0 {
		t.Fatalf("Pid before start = %d, %v; want 0", pid, err)
	}
	if err := d.Start(ctx, r, "300"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { d.Kill(ctx, r) })
	pid, err := d.Pid(ctx, r)
	if err != nil || pid == 0 {
		t.Fatalf("Pid after start = %d, %v", pid, err)
	}
	// Start again is a no-op: same pid.
	if err := d.Start(ctx, r, "300"); err != nil {
		t.Fatal(err)
	}
	if p2, _ := d.Pid(ctx, r); p2 != pid {
		t.Fatalf("second Start replaced pid %d with %d", pid, p2)
	}
	if ok, err := d.Signal(ctx, r, "STOP"); !ok || err != nil {
		t.Fatalf("STOP: %v %v", ok, err)
	}
	waitFor(t, func() bool { s, _ := d.Stopped(ctx, r); return s }, "stopped state after SIGSTOP")
	if _, err := d.Signal(ctx, r, "CONT"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { s, _ := d.Stopped(ctx, r); return !s }, "running state after SIGCONT")
	if err := d.Kill(ctx, r); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if p, _ := d.Pid(ctx, r); p != 0 {
		t.Fatalf("pid %d still alive after Kill", p)
	}
	// A pidfile that names somebody else's process (ours: the test) is not
	// treated as the daemon, and is never signalled.
	if err := os.WriteFile(d.PidPath(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := d.Pid(ctx, r); p != 0 {
		t.Fatalf("Pid trusted a pidfile naming another program (pid %d)", p)
	}
	if ok, _ := d.Signal(ctx, r, "KILL"); ok {
		t.Fatal("Signal would have killed a process that is not ours")
	}
	if _, err := os.Stat(filepath.Join(dir, "log", "sleeper.log")); err != nil {
		t.Errorf("no log file: %v", err)
	}
}

func waitFor(t *testing.T, f func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if f() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestStartArgvIsQuotedData checks that hostile arguments reach the daemon
// as data: the start script takes them as positional parameters.
func TestStartArgvIsQuotedData(t *testing.T) {
	r := dummy.New("n1")
	d := Daemon{Name: "faultline-node"}
	hostile := `x; touch /tmp/pwned $(id) "'`
	if err := d.Start(context.Background(), r, "--id", hostile); err != nil {
		t.Fatal(err)
	}
	var last dummy.Call
	for _, c := range r.Calls() {
		if len(c.Argv) > 2 && c.Argv[2] == startScript {
			last = c
		}
	}
	if len(last.Argv) < 3 || last.Argv[0] != "sh" || last.Argv[1] != "-c" {
		t.Fatalf("no start through the fixed script among %q", r.Commands())
	}
	if got := last.Argv[len(last.Argv)-1]; got != hostile {
		t.Fatalf("hostile argument changed on the way: %q", got)
	}
	if strings.Contains(last.Argv[2], "pwned") {
		t.Fatal("an argument was spliced into the script")
	}
	line := control.Quote(last.Argv)
	if !strings.Contains(line, "'x; touch /tmp/pwned $(id) \"'\\'''") {
		t.Errorf("quoted command line does not single-quote the argument: %s", line)
	}
}
