package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/control"
	gossh "golang.org/x/crypto/ssh"
)

// wrapper is the script every command runs under: it reports its PID on
// stderr (stripped from the result) so that a cancelled command can be
// killed even where sshd refuses signals (OpenSSH does for root logins),
// changes directory, then execs argv. $1 is the directory ("" for none).
const wrapper = `echo "` + pidMarker + `$$" >&2; if [ -n "$1" ]; then cd "$1" || exit 1; fi; shift; exec "$@"`

const pidMarker = "faultline-pid="

// commandLine builds the one string the remote shell sees, from argv only:
// every word goes through control.Quote.
func commandLine(cmd control.Cmd, user string) (string, error) {
	if len(cmd.Argv) == 0 {
		return "", errors.New("empty argv")
	}
	dir := cmd.Dir
	if strings.HasPrefix(dir, "-") {
		dir = "./" + dir // never an option of cd
	}
	argv := []string{"sh", "-c", wrapper, "sh", dir}
	if cmd.Sudo && user != "root" {
		argv = append(argv, "sudo", "-n", "--")
	}
	argv = append(argv, cmd.Argv...)
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return "", fmt.Errorf("argument %q contains a NUL byte, which no command line can carry", argv[i])
		}
	}
	return control.Quote(argv), nil
}

// splitPID removes the wrapper's PID line from stderr and returns the PID
// (0 if the wrapper has not run yet).
func splitPID(stderr []byte) (int, []byte) {
	i := bytes.Index(stderr, []byte(pidMarker))
	if i < 0 {
		return 0, stderr
	}
	rest := stderr[i+len(pidMarker):]
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return 0, stderr
	}
	pid, err := strconv.Atoi(string(rest[:nl]))
	if err != nil {
		return 0, stderr
	}
	out := append(append([]byte{}, stderr[:i]...), rest[nl+1:]...)
	return pid, out
}

// Run runs cmd on the node. See control.Remote. When ctx ends, the remote
// command is sent SIGKILL and its session closed, and Run returns at once
// with an error wrapping ctx.Err(): the command may or may not have run.
func (r *Remote) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	return r.run(ctx, cmd, r.sessions)
}

// run is Run taking a session slot from slots; nil slots takes none (the
// kill of a cancelled command must not wait for the slot that command holds).
func (r *Remote) run(ctx context.Context, cmd control.Cmd, slots chan struct{}) (control.Result, error) {
	failed := control.Result{ExitCode: -1}
	line, err := commandLine(cmd, r.cfg.User)
	shown := control.Quote(cmd.Argv) // for messages: what the caller asked for
	if err != nil {
		return failed, fmt.Errorf("control/ssh: %s: %w", r.cfg.Node, err)
	}
	if err := ctx.Err(); err != nil {
		return failed, fmt.Errorf("control/ssh: %s: %s: not started: %w", r.cfg.Node, shown, err)
	}
	if r.cfg.CommandTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.cfg.CommandTimeout)
		defer cancel()
	}

	release := func() {}
	if slots != nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return failed, fmt.Errorf("control/ssh: %s: %s: not started: %w", r.cfg.Node, shown, ctx.Err())
		}
		release = func() { <-slots }
	}

	sess, c, err := withConn(ctx, r, "new session", newSession)
	if err != nil {
		release()
		if ctx.Err() != nil && !isTransport(err) {
			return failed, fmt.Errorf("control/ssh: %s: %s: not started: %w", r.cfg.Node, shown, err)
		}
		return failed, err
	}
	var stdout, stderr syncBuffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, cmd.Stdin
	r.cfg.Logger.Debug("control/ssh: run", "node", r.cfg.Node, "cmd", line)
	if err := sess.Start(line); err != nil {
		sess.Close()
		release()
		if c.isDead() {
			return failed, transportErr(fmt.Sprintf("control/ssh: %s (%s): connection lost starting %s (it may have run): %v", r.cfg.Node, r.cfg.addr(), shown, err), err)
		}
		return failed, transportErr(fmt.Sprintf("control/ssh: %s (%s): starting %s: %v", r.cfg.Node, r.cfg.addr(), shown, err), err)
	}

	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
		sess.Close()
		release()
	case <-ctx.Done():
		// Do not wait for a stalled server: kill and close in the background.
		go func() {
			defer release()
			sess.Signal(gossh.SIGKILL)
			r.killRemote(done, &stderr, cmd.Sudo)
			sess.Close()
			<-done
		}()
		return failed, fmt.Errorf("control/ssh: %s: %s: %w (the command may have run)", r.cfg.Node, shown, ctx.Err())
	}

	_, errOut := splitPID(stderr.Bytes())
	res := control.Result{Stdout: stdout.Bytes(), Stderr: errOut}
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitStatus()
		return res, &control.ExitError{Node: r.cfg.Node, Argv: cmd.Argv, Code: res.ExitCode, Stderr: string(res.Stderr)}
	default:
		// The connection went away mid-command, or the server sent no exit
		// status: we cannot know what happened.
		res.ExitCode = -1
		return res, transportErr(fmt.Sprintf("control/ssh: %s (%s): %s: no exit status (it may have run): %v", r.cfg.Node, r.cfg.addr(), shown, err), err)
	}
}

// killRemote kills the process group of a cancelled command, found by the
// PID the wrapper printed, unless the command ends by itself first (done).
// sshd ignores signal requests on root logins, so this is the kill that works.
func (r *Remote) killRemote(done chan error, stderr *syncBuffer, sudo bool) {
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if pid, _ := splitPID(stderr.Bytes()); pid > 0 {
			argv := []string{"sh", "-c", `kill -s KILL -- -"$1" 2>/dev/null || kill -s KILL -- "$1"`, "sh", strconv.Itoa(pid)}
			if _, err := r.run(ctx, control.Cmd{Argv: argv, Sudo: sudo}, nil); err != nil {
				var exit *control.ExitError
				if !errors.As(err, &exit) { // exited already: nothing to kill
					r.cfg.Logger.Warn("control/ssh: could not kill a cancelled command", "node", r.cfg.Node, "pid", pid, "err", err)
				}
			}
			return
		}
		select {
		case err := <-done:
			done <- err // for the caller's receive
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

const killTimeout = 10 * time.Second

// syncBuffer is a bytes.Buffer written by the session's copier while
// killRemote reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Bytes returns a copy of what was written so far.
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
