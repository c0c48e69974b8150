package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/faultline/faultline/control"
)

// Remote runs commands on this machine. It is safe for concurrent use.
type Remote struct {
	node string
	root bool
}

var _ control.Remote = (*Remote)(nil)

// New returns a Remote for this machine, named node in errors.
func New(node string) *Remote {
	return &Remote{node: node, root: os.Geteuid() == 0}
}

// Node names the node.
func (r *Remote) Node() string { return r.node }

// Close does nothing: there is no connection.
func (r *Remote) Close() error { return nil }

// waitDelay bounds how long Run waits for output pipes held open by
// grandchildren after the command itself exited or was killed.
const waitDelay = 2 * time.Second

// Run executes cmd.Argv directly (no shell). A command that cannot be
// started (not found, not executable) is reported like a shell would: an
// ExitError with code 127 or 126.
func (r *Remote) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	failed := control.Result{ExitCode: -1}
	if len(cmd.Argv) == 0 {
		return failed, fmt.Errorf("local: %s: empty argv", r.node)
	}
	argv := cmd.Argv
	if cmd.Sudo && !r.root {
		argv = append([]string{"sudo", "-n", "--"}, argv...)
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Dir = cmd.Dir
	c.Stdin = cmd.Stdin
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = waitDelay
	err := c.Run()
	res := control.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if ctx.Err() != nil {
		res.ExitCode = -1
		return res, fmt.Errorf("local: %s: %s: %w", r.node, control.Quote(cmd.Argv), ctx.Err())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		if res.ExitCode < 0 { // killed by a signal, as a shell reports it
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				res.ExitCode = 128 + int(ws.Signal())
			}
		}
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist):
		res.ExitCode = 127
		res.Stderr = append(res.Stderr, err.Error()...)
	case errors.Is(err, os.ErrPermission):
		res.ExitCode = 126
		res.Stderr = append(res.Stderr, err.Error()...)
	default:
		res.ExitCode = -1
		return res, fmt.Errorf("local: %s: %s: %w", r.node, control.Quote(cmd.Argv), err)
	}
	return res, &control.ExitError{Node: r.node, Argv: cmd.Argv, Code: res.ExitCode, Stderr: string(res.Stderr)}
}

// Upload copies local to dst atomically: a temporary file in dst's
// directory (created if missing), mode set, fsynced, SHA-256 compared with
// what was read, then renamed over dst.
func (r *Remote) Upload(ctx context.Context, local, dst string, mode os.FileMode) error {
	if err := copyAtomic(ctx, local, dst, mode, true); err != nil {
		return fmt.Errorf("local: %s: upload %s to %s: %w", r.node, local, dst, err)
	}
	return nil
}

// Download copies src to local atomically, keeping src's permissions.
func (r *Remote) Download(ctx context.Context, src, local string) error {
	st, err := os.Stat(src)
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s is a directory", src)
	}
	if err == nil {
		err = copyAtomic(ctx, src, local, st.Mode().Perm(), false)
	}
	if err != nil {
		return fmt.Errorf("local: %s: download %s to %s: %w", r.node, src, local, err)
	}
	return nil
}

func copyAtomic(ctx context.Context, src, dst string, mode os.FileMode, verify bool) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if _, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, in}); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if verify {
		if _, err = tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		back := sha256.New()
		if _, err = io.Copy(back, tmp); err != nil {
			return err
		}
		if !bytes.Equal(back.Sum(nil), h.Sum(nil)) {
			return fmt.Errorf("checksum mismatch on %s", tmp.Name())
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// User is the user commands run as.
func (r *Remote) User() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}
