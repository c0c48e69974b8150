package clustertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BuildNode compiles cmd/faultline-node into a temp dir and returns the
// binary's path. It skips the test under -short.
func BuildNode(t testing.TB) string {
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

// Proc is one node process started by a test, its output captured.
type Proc struct {
	Cmd    *exec.Cmd
	Stderr *bytes.Buffer
	Stdout *bytes.Buffer
}

// StartProc starts bin with args. When the test ends, the process is
// killed (by its PID) if it is still running.
func StartProc(t testing.TB, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), Stderr: &bytes.Buffer{}, Stdout: &bytes.Buffer{}}
	p.Cmd.Stderr, p.Cmd.Stdout = p.Stderr, p.Stdout
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Cmd.ProcessState == nil {
			p.Cmd.Process.Kill() // only the process this test started, by PID
			p.Cmd.Wait()
		}
	})
	return p
}

// Kill9 sends SIGKILL to the process, by PID, and waits for it: no chance
// to flush anything.
func (p *Proc) Kill9(t testing.TB) {
	t.Helper()
	if err := syscall.Kill(p.Cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.Cmd.Wait()
}

// WaitHealthy polls health (a client's Health method) for about ten
// seconds until it succeeds, and fails the test with p's stderr if it
// never does.
func WaitHealthy[H any](t testing.TB, health func(context.Context) (H, error), p *Proc) {
	t.Helper()
	for range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := health(ctx)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("node never became healthy; stderr:\n%s", p.Stderr)
}
