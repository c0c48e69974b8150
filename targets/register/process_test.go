package register_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/register"
)

// buildNode compiles cmd/faultline-node into a temp dir.
func buildNode(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "faultline-node")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/faultline/faultline/cmd/faultline-node")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type node struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	stdout *bytes.Buffer
}

func startNode(t *testing.T, bin string, args ...string) *node {
	t.Helper()
	n := &node{cmd: exec.Command(bin, args...), stderr: &bytes.Buffer{}, stdout: &bytes.Buffer{}}
	n.cmd.Stderr, n.cmd.Stdout = n.stderr, n.stdout
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			n.cmd.Process.Kill() // only the process this test started, by PID
			n.cmd.Wait()
		}
	})
	return n
}

func waitHealthy(t *testing.T, c *register.Client, n *node) {
	t.Helper()
	for range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := c.Health(ctx)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("node never became healthy; stderr:\n%s", n.stderr)
}

func TestNodeProcessSurvivesKill9(t *testing.T) {
	bin := buildNode(t)
	addr := freeAddr(t)
	data := t.TempDir()
	args := []string{"--role", "register", "--id", "n1", "--listen", addr, "--peers", "n1=" + addr, "--data", data}
	c := register.NewClient("http://"+addr, 2*time.Second)
	defer c.Close()
	ctx := context.Background()

	n := startNode(t, bin, args...)
	waitHealthy(t, c, n)
	for i := range int64(50) {
		if err := c.Write(ctx, "k", i); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := c.Write(ctx, "other", 7); err != nil {
		t.Fatal(err)
	}
	// kill -9 by PID: no chance to flush anything.
	if err := syscall.Kill(n.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
	c.Close()

	n = startNode(t, bin, args...)
	waitHealthy(t, c, n)
	for key, want := range map[string]int64{"k": 49, "other": 7} {
		v, err := c.Read(ctx, key)
		if err != nil || v == nil || *v != want {
			t.Fatalf("read %s after kill -9 and restart = %v, %v; want %d\nstderr:\n%s", key, v, err, want, n.stderr)
		}
	}
	h, err := c.Health(ctx)
	if err != nil || h.Epoch != 2 || h.Node != "n1" || h.Mode != "paxos" {
		t.Fatalf("health after restart: %+v, %v", h, err)
	}

	// SIGTERM: graceful, exit 0, nothing on stdout.
	if err := syscall.Kill(n.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, n.stderr)
	}
	if n.stdout.Len() != 0 {
		t.Fatalf("node wrote to stdout: %q", n.stdout)
	}
	if !strings.Contains(n.stderr.String(), "level=INFO") {
		t.Fatalf("no slog text log on stderr:\n%s", n.stderr)
	}
}

func TestNodeProcessBadFlags(t *testing.T) {
	bin := buildNode(t)
	for _, args := range [][]string{
		{},
		{"--role", "nope", "--id", "n1"},
		{"--role", "register"},
		{"--role", "register", "--id", "n1", "--mode", "eventual"},
		{"--role", "register", "--id", "n1", "--peers", "n2=127.0.0.1:1"},
		{"--role", "register", "--id", "n1", "--peers", "n1"},
		{"--no-such-flag"},
	} {
		cmd := exec.Command(bin, args...)
		var stderr, stdout bytes.Buffer
		cmd.Stderr, cmd.Stdout = &stderr, &stdout
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 254 {
			t.Errorf("%q: %v, want exit 254", args, err)
			continue
		}
		msg := stderr.String()
		if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "faultline-node: ") || stdout.Len() != 0 {
			t.Errorf("%q: want one line on stderr, got stderr %q stdout %q", args, msg, stdout.String())
		}
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "faultline-node ") {
		t.Errorf("--version: %q, %v", out, err)
	}
}
