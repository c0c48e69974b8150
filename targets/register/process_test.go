package register_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/register"
)

func TestNodeProcessSurvivesKill9(t *testing.T) {
	bin := clustertest.BuildNode(t)
	addr := clustertest.FreeAddr(t)
	data := t.TempDir()
	args := []string{"--role", "register", "--id", "n1", "--listen", addr, "--peers", "n1=" + addr, "--data", data}
	c := register.NewClient("http://"+addr, 2*time.Second)
	defer c.Close()
	ctx := context.Background()

	n := clustertest.StartProc(t, bin, args...)
	clustertest.WaitHealthy(t, c.Health, n)
	for i := range int64(50) {
		if err := c.Write(ctx, "k", i); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := c.Write(ctx, "other", 7); err != nil {
		t.Fatal(err)
	}
	n.Kill9(t) // by PID: no chance to flush anything
	c.Close()

	n = clustertest.StartProc(t, bin, args...)
	clustertest.WaitHealthy(t, c.Health, n)
	for key, want := range map[string]int64{"k": 49, "other": 7} {
		v, err := c.Read(ctx, key)
		if err != nil || v == nil || *v != want {
			t.Fatalf("read %s after kill -9 and restart = %v, %v; want %d\nstderr:\n%s", key, v, err, want, n.Stderr)
		}
	}
	h, err := c.Health(ctx)
	if err != nil || h.Epoch != 2 || h.Node != "n1" || h.Mode != "paxos" {
		t.Fatalf("health after restart: %+v, %v", h, err)
	}

	// SIGTERM: graceful, exit 0, nothing on stdout.
	if err := syscall.Kill(n.Cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := n.Cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, n.Stderr)
	}
	if n.Stdout.Len() != 0 {
		t.Fatalf("node wrote to stdout: %q", n.Stdout)
	}
	if !strings.Contains(n.Stderr.String(), "level=INFO") {
		t.Fatalf("no slog text log on stderr:\n%s", n.Stderr)
	}
}

func TestNodeProcessBadFlags(t *testing.T) {
	bin := clustertest.BuildNode(t)
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
