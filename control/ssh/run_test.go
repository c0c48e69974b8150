package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
)

var hostile = []string{
	"", " ", "plain", "two words", "'", `"`, `'\''`, `\`, `\\n`, "$(touch /tmp/pwned)", "`id`",
	"a;b", "a&&b", "a|b", "a>b", "<in", "line1\nline2", "\n", "\t", "*", "?", "[a-z]*", "~", "~root",
	"$HOME", "${HOME}", "$1", "$@", "!", "!!", "#comment", "-n", "--", "%s", "a=b", "{a,b}", "é✓",
	"\x01\x7f\xff", "'$(id)'", `"$(id)"`, "' ; rm -rf / ; '",
}

func TestRunHostileArgsArriveByteForByte(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	argv := append([]string{"printf", `%s\0`}, hostile...)
	res, err := r.Run(context.Background(), control.Cmd{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(string(res.Stdout), "\x00")
	got = got[:len(got)-1] // after the last NUL
	if len(got) != len(hostile) {
		t.Fatalf("got %d args back, want %d: %q", len(got), len(hostile), got)
	}
	for i := range hostile {
		if got[i] != hostile[i] {
			t.Errorf("arg %d: sent %q, got %q", i, hostile[i], got[i])
		}
	}
}

// FuzzQuoteRoundTrip sends an argument through printf over real SSH and
// through sh -c locally; both must print it back unchanged.
func FuzzQuoteRoundTrip(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	s := startSSHD(f)
	r := s.dial(f)
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.IndexByte(arg, 0) >= 0 {
			t.Skip("argv cannot carry NUL")
		}
		argv := []string{"printf", "%s", arg}
		res, err := r.Run(context.Background(), control.Cmd{Argv: argv})
		if err != nil {
			t.Fatalf("ssh: %v", err)
		}
		if string(res.Stdout) != arg {
			t.Errorf("ssh: sent %q, got %q", arg, res.Stdout)
		}
		out, err := exec.Command("sh", "-c", control.Quote(argv)).Output()
		if err != nil {
			t.Fatalf("sh -c: %v", err)
		}
		if string(out) != arg {
			t.Errorf("sh -c: sent %q, got %q", arg, out)
		}
	})
}

func TestRunRejectsNUL(t *testing.T) {
	if _, err := commandLine(control.Cmd{Argv: []string{"echo", "a\x00b"}}, "root"); err == nil {
		t.Fatal("argv with NUL accepted")
	}
}

func TestCommandLine(t *testing.T) {
	w := []string{"sh", "-c", wrapper, "sh"}
	for _, tc := range []struct {
		cmd  control.Cmd
		user string
		want []string
	}{
		{control.Cmd{Argv: []string{"iptables", "-S"}, Sudo: true}, "root", append(w, "", "iptables", "-S")},
		{control.Cmd{Argv: []string{"iptables", "-S"}, Sudo: true}, "alice", append(w, "", "sudo", "-n", "--", "iptables", "-S")},
		{control.Cmd{Argv: []string{"echo", "a b"}}, "alice", append(w, "", "echo", "a b")},
		{control.Cmd{Argv: []string{"ls"}, Dir: "/opt/my dir"}, "root", append(w, "/opt/my dir", "ls")},
		{control.Cmd{Argv: []string{"ls"}, Dir: "-rf", Sudo: true}, "bob", append(w, "./-rf", "sudo", "-n", "--", "ls")},
	} {
		got, err := commandLine(tc.cmd, tc.user)
		if want := control.Quote(tc.want); err != nil || got != want {
			t.Errorf("commandLine(%+v, %q) = %q, %v; want %q", tc.cmd, tc.user, got, err, want)
		}
	}
	if _, err := commandLine(control.Cmd{}, "root"); err == nil {
		t.Error("empty argv accepted")
	}
	if _, err := commandLine(control.Cmd{Argv: []string{"ls"}, Dir: "a\x00b"}, "root"); err == nil {
		t.Error("dir with NUL accepted")
	}
}

func TestSplitPID(t *testing.T) {
	pid, rest := splitPID([]byte("motd noise\n" + pidMarker + "4242\nreal error\n"))
	if pid != 4242 || string(rest) != "motd noise\nreal error\n" {
		t.Errorf("got %d %q", pid, rest)
	}
	pid, rest = splitPID([]byte("no marker\n"))
	if pid != 0 || string(rest) != "no marker\n" {
		t.Errorf("got %d %q", pid, rest)
	}
}

func TestRunExitCodeAndStderr(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "echo out; echo oops >&2; exit 3"}})
	var exit *control.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("want *control.ExitError, got %T %v", err, err)
	}
	if errors.Is(err, control.ErrTransport) {
		t.Errorf("exit error must not be a transport error: %v", err)
	}
	if exit.Code != 3 || res.ExitCode != 3 || exit.Node != "n1" || exit.Stderr != "oops\n" || string(res.Stdout) != "out\n" {
		t.Errorf("got exit %+v, result %+v", exit, res)
	}
	// Command not found is the shell's 127, still an ExitError.
	_, err = r.Run(context.Background(), control.Cmd{Argv: []string{"/nonexistent/faultline-cmd"}})
	if !errors.As(err, &exit) || exit.Code != 127 {
		t.Errorf("missing command: got %v", err)
	}
}

func TestRunStdinAndDir(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	in := bytes.Repeat([]byte("stdin line with 'quotes' and $(subst)\n"), 50000) // ~2 MB
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"cat"}, Stdin: bytes.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Stdout, in) {
		t.Errorf("stdin: sent %d bytes, got %d back", len(in), len(res.Stdout))
	}
	dir := t.TempDir() + "/a dir; with $(stuff)"
	if out, err := exec.Command("mkdir", "-p", dir).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	res, err = r.Run(context.Background(), control.Cmd{Argv: []string{"pwd"}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(string(res.Stdout), "\n"); got != dir {
		t.Errorf("pwd in %q printed %q", dir, got)
	}
}

func TestRunContextDeadlineKillsCommand(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	marker := fmt.Sprintf("10.%d", time.Now().UnixNano()%1000000) // a sleep we can find
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Run(ctx, control.Cmd{Argv: []string{"sleep", marker}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if el := time.Since(start); el > 8*time.Second {
		t.Fatalf("Run returned after %s, not at the deadline (sleep ran to the end?)", el)
	}
	// The remote sleep is killed, not left running.
	for i := 0; ; i++ {
		out, _ := exec.Command("pgrep", "-x", "-f", "sleep "+marker).Output()
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if i == 100 {
			t.Fatalf("remote sleep %s still running (pids %s)", marker, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The connection is still good.
	if _, err := r.Run(context.Background(), control.Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
}

func TestRunConcurrent(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ { // more than sshd's MaxSessions (10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strconv.Itoa(i)
			res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `sleep 0.05; printf %s "$1"`, "sh", want}})
			if err == nil && string(res.Stdout) != want {
				err = fmt.Errorf("run %d printed %q", i, res.Stdout)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A connection closed under the Remote is replaced on the next call.
func TestReconnectAfterClientClosed(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	old := r.cur
	old.client.Close()
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"echo", "back"}})
	if err != nil {
		t.Fatalf("run after the connection was closed: %v", err)
	}
	if string(res.Stdout) != "back\n" {
		t.Errorf("got %q", res.Stdout)
	}
	if r.cur == old {
		t.Error("no new connection")
	}
}

// The server side dies mid-command: that Run is a transport error (never
// re-run), and the next one reconnects.
func TestReconnectAfterServerSideKill(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	marker := t.TempDir() + "/ran"
	_, err := r.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `echo x >> "$1"; kill -9 $PPID; sleep 5`, "sh", marker}})
	if !errors.Is(err, control.ErrTransport) {
		t.Fatalf("want a transport error, got %v", err)
	}
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"cat", marker}})
	if err != nil {
		t.Fatalf("run after the connection died: %v", err)
	}
	if string(res.Stdout) != "x\n" {
		t.Errorf("command that lost its connection ran %d times, want once: %q", strings.Count(string(res.Stdout), "x"), res.Stdout)
	}
}

// A stalled server (its connection process stopped) neither hangs Run past
// ctx nor survives the keepalive; the Remote recovers once it is gone.
func TestStalledServer(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.KeepAlive = 250 * time.Millisecond
	r, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "echo $PPID"}})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
	if err != nil || pid <= 1 {
		t.Fatalf("bad pid %q", res.Stdout)
	}
	// pid is the sshd process serving our connection, a child of our sshd.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, control.Cmd{Argv: []string{"echo", "stalled"}})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run succeeded against a stopped server")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run hung on a stalled server despite its ctx")
	}
	// keepalive notices and closes the connection
	old := r.cur
	for i := 0; !old.isDead(); i++ {
		if i == 300 {
			t.Fatal("keepalive did not close a connection to a stopped server")
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if _, err := r.Run(context.Background(), control.Cmd{Argv: []string{"true"}}); err != nil {
		t.Fatalf("run after recovery: %v", err)
	}
}

// More cancelled commands than session slots: each is still killed (the
// kill must not wait for a slot its own command holds).
func TestManyCancelledCommandsAllKilled(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	marker := fmt.Sprintf("12.%d", time.Now().UnixNano()%1000000)
	var wg sync.WaitGroup
	for i := 0; i < 2*maxSessions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if _, err := r.Run(ctx, control.Cmd{Argv: []string{"sleep", marker}}); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("want deadline exceeded, got %v", err)
			}
		}()
	}
	wg.Wait()
	for i := 0; ; i++ {
		out, _ := exec.Command("pgrep", "-x", "-f", "sleep "+marker).Output()
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("cancelled sleeps still running: %s", bytes.Fields(out))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// argv[0] is a program name even when a shell would read it as syntax.
func TestFirstWordIsAlwaysAProgram(t *testing.T) {
	s := startSSHD(t)
	r := s.dial(t)
	for _, first := range []string{"A=b", "if", "{", "!"} {
		_, err := r.Run(context.Background(), control.Cmd{Argv: []string{first, "x"}})
		var exit *control.ExitError
		if !errors.As(err, &exit) || exit.Code != 127 {
			t.Errorf("argv[0] %q: want exit 127 (no such program), got %v", first, err)
		}
	}
}
