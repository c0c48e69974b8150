package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
)

func TestRunArgvNoShell(t *testing.T) {
	r := New("local")
	args := []string{"", "a b", "'", `"`, "$(id)", "`id`", ";", "\n", "*", "\\", "-n"}
	res, err := r.Run(context.Background(), control.Cmd{Argv: append([]string{"printf", `%s\0`}, args...)})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(string(res.Stdout), "\x00")
	if len(got) != len(args)+1 {
		t.Fatalf("got %q", got)
	}
	for i, a := range args {
		if got[i] != a {
			t.Errorf("arg %d: sent %q, got %q", i, a, got[i])
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	r := New("n1")
	ctx := context.Background()
	res, err := r.Run(ctx, control.Cmd{Argv: []string{"sh", "-c", "echo err >&2; exit 4"}})
	var exit *control.ExitError
	if !errors.As(err, &exit) || exit.Code != 4 || res.ExitCode != 4 || exit.Stderr != "err\n" || exit.Node != "n1" {
		t.Fatalf("got %+v, %v", res, err)
	}
	if errors.Is(err, control.ErrTransport) {
		t.Error("an exit code is not a transport error")
	}
	_, err = r.Run(ctx, control.Cmd{Argv: []string{"/nonexistent/faultline"}})
	if !errors.As(err, &exit) || exit.Code != 127 {
		t.Errorf("missing command: %v", err)
	}
	_, err = r.Run(ctx, control.Cmd{Argv: []string{"sh", "-c", "kill -s KILL $$"}})
	if !errors.As(err, &exit) || exit.Code != 137 {
		t.Errorf("killed command: %v", err)
	}
	if _, err := r.Run(ctx, control.Cmd{}); err == nil {
		t.Error("empty argv accepted")
	}
}

func TestRunStdinDirSudo(t *testing.T) {
	r := New("n1")
	ctx := context.Background()
	res, err := r.Run(ctx, control.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("in\x00put")})
	if err != nil || string(res.Stdout) != "in\x00put" {
		t.Errorf("stdin: %q, %v", res.Stdout, err)
	}
	dir := t.TempDir()
	res, err = r.Run(ctx, control.Cmd{Argv: []string{"pwd"}, Dir: dir})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != dir {
		t.Errorf("dir: %q, %v", res.Stdout, err)
	}
	if os.Geteuid() == 0 {
		// Sudo is ignored as root: no sudo needed (nor installed, maybe).
		out, err := control.Exec(ctx, r, true, "id", "-u")
		if err != nil || out != "0\n" {
			t.Errorf("sudo as root: %q, %v", out, err)
		}
	}
}

func TestRunCancelKillsProcessGroup(t *testing.T) {
	r := New("n1")
	marker := fmt.Sprintf("11.%d", time.Now().UnixNano()%1000000)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := r.Run(ctx, control.Cmd{Argv: []string{"sh", "-c", "sleep " + marker + " & wait"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	for i := 0; ; i++ {
		out, _ := exec.Command("pgrep", "-x", "-f", "sleep "+marker).Output()
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if i == 100 {
			t.Fatalf("grandchild sleep survived the cancel: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUploadDownload(t *testing.T) {
	r := New("n1")
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	data := bytes.Repeat([]byte("payload\n"), 100000)
	os.WriteFile(src, data, 0o600)
	dir := filepath.Join(t.TempDir(), "a", "b")
	dst := filepath.Join(dir, "bin")
	if err := r.Upload(ctx, src, dst, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := r.Upload(ctx, src, dst, 0o750); err != nil { // over an existing file
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	st, _ := os.Stat(dst)
	if !bytes.Equal(got, data) || st.Mode().Perm() != 0o750 {
		t.Errorf("uploaded %d bytes mode %v", len(got), st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in %s, want 1 (tmp left?)", len(entries), dir)
	}
	back := filepath.Join(t.TempDir(), "x", "back")
	if err := r.Download(ctx, dst, back); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(back); !bytes.Equal(got, data) {
		t.Error("download differs")
	}
	if err := r.Download(ctx, filepath.Join(dir, "missing"), back); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := r.Download(ctx, dir, back); err == nil {
		t.Error("downloading a directory succeeded")
	}
}
