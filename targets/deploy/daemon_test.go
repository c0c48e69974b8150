package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestProgramDaemon: a daemon whose Program is already on the node runs
// that program, and Install uploads nothing and makes no bin directory.
func TestProgramDaemon(t *testing.T) {
	ctx := context.Background()
	r := dummy.New("n1")
	d := Daemon{Name: "zk", Dir: "/opt/faultline/zk", Program: "/usr/bin/java"}
	if d.Bin() != "/usr/bin/java" {
		t.Fatalf("Bin() = %q; want the Program", d.Bin())
	}
	if err := d.Install(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	want := []string{control.Quote([]string{"mkdir", "-p", "/opt/faultline/zk/log", "/opt/faultline/zk/run", "/opt/faultline/zk/data"})}
	if got := r.Commands(); !slices.Equal(got, want) {
		t.Errorf("Install sent %q; want %q", got, want)
	}
	if len(r.Uploads()) != 0 {
		t.Errorf("Install of a Program daemon uploaded %v", r.Uploads())
	}
	// Without a Program the binary's directory is made and the binary uploaded.
	r2 := dummy.New("n1")
	bin := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := (Daemon{Name: "x"}).Install(ctx, r2, bin); err != nil {
		t.Fatal(err)
	}
	if got := r2.Commands(); len(got) != 1 || !strings.Contains(got[0], "/opt/faultline/bin ") {
		t.Errorf("Install sent %q; want a mkdir of /opt/faultline/bin", got)
	}
	if ups := r2.Uploads(); len(ups) != 1 || ups[0].Path != "/opt/faultline/bin/x" {
		t.Errorf("uploads %v; want the binary at /opt/faultline/bin/x", ups)
	}

	// On this machine: the program runs under the pidfile and is recognised.
	dir := t.TempDir()
	ld := Daemon{Name: "sleeper", Dir: dir, Program: "/bin/sleep"}
	lr := local.New("n1")
	if err := ld.Install(ctx, lr, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bin")); !os.IsNotExist(err) {
		t.Errorf("Install of a Program daemon made %s/bin (%v)", dir, err)
	}
	if err := ld.Start(ctx, lr, "300"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ld.Kill(ctx, lr) })
	pid, err := ld.Pid(ctx, lr)
	if err != nil || pid == 0 {
		t.Fatalf("Pid after Start = %d, %v", pid, err)
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if string(cmdline) != "/bin/sleep\x00300\x00" {
		t.Errorf("cmdline %q; want /bin/sleep 300", cmdline)
	}
	if err := ld.Kill(ctx, lr); err != nil {
		t.Fatal(err)
	}
	if pid, _ := ld.Pid(ctx, lr); pid != 0 {
		t.Errorf("pid %d alive after Kill", pid)
	}
}

// TestPidIdentity runs the pid check against processes whose command
// line's first field is the program's path, the path followed by a space
// and more (a rewritten process title), or something else that merely
// resembles it. The program's name holds a glob character, which must be
// matched literally.
func TestPidIdentity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := Daemon{Name: "srv", Dir: dir, Program: filepath.Join(dir, "redis*server")}
	r := local.New("n1")
	if err := d.Install(ctx, r, ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		title string
		ours  bool
	}{
		{d.Program, true},
		{d.Program + " *:6379", true},
		{d.Program + " ", true},
		{d.Program + "x", false},
		{d.Program + "\t*:6379", false},
		{filepath.Join(dir, "redisXserver"), false},
		{filepath.Join(dir, "redis-server") + " *:6379", false},
		{"/usr/bin/" + filepath.Base(d.Program), false},
		{"", false},
	}
	for _, tc := range cases {
		cmd := &exec.Cmd{Path: "/bin/sleep", Args: []string{tc.title, "300"}}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		err := os.WriteFile(d.PidPath(), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
		var pid int
		if err == nil {
			pid, err = d.Pid(ctx, r)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil {
			t.Fatalf("title %q: %v", tc.title, err)
		}
		if got := pid == cmd.Process.Pid; got != tc.ours {
			t.Errorf("title %q: recognised as ours = %v (pid %d), want %v", tc.title, got, pid, tc.ours)
		}
		if !tc.ours && pid != 0 {
			t.Errorf("title %q: Pid = %d; want 0", tc.title, pid)
		}
	}
}
