package deploy

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/control"
)

// Daemon is a long-running program on a node, managed through a pidfile
// under Dir. Every command is an argv; the shell scripts below take their
// values only as positional parameters, so no path or argument can become
// syntax.
type Daemon struct {
	// Name names the program (its binary is Dir/bin/Name, its log
	// Dir/log/Name.log, its pidfile Dir/run/Name.pid).
	Name string
	// Dir is the node directory, /opt/faultline by default.
	Dir string
	// Program, when set, is an executable already on the node (e.g.
	// /usr/bin/java, installed by a package) that the daemon runs instead
	// of an uploaded binary: Bin returns it, and Install only creates the
	// directories. Its absolute path is what identifies the process.
	Program string
	// Sudo runs the commands as root (sudo -n when the user is not root).
	Sudo bool
}

// Bin is the path on the node of the program the daemon runs: Program
// when set, else the installed binary Dir/bin/Name.
func (d Daemon) Bin() string {
	if d.Program != "" {
		return d.Program
	}
	return path.Join(d.dir(), "bin", d.Name)
}

// LogPath is where the daemon's stdout and stderr go.
func (d Daemon) LogPath() string { return path.Join(d.dir(), "log", d.Name+".log") }

// PidPath is the daemon's pidfile.
func (d Daemon) PidPath() string { return path.Join(d.dir(), "run", d.Name+".pid") }

// DataDir is the daemon's data directory.
func (d Daemon) DataDir() string { return path.Join(d.dir(), "data") }

func (d Daemon) dir() string {
	if d.Dir == "" {
		return "/opt/faultline"
	}
	return d.Dir
}

// Install creates the node directories and uploads the binary atomically.
// A daemon with a Program uploads nothing (localBinary is ignored): it
// only gets its log, run and data directories.
func (d Daemon) Install(ctx context.Context, r control.Remote, localBinary string) error {
	dirs := []string{path.Dir(d.LogPath()), path.Dir(d.PidPath()), d.DataDir()}
	if d.Program == "" {
		dirs = append([]string{path.Dir(d.Bin())}, dirs...)
	}
	if _, err := r.Run(ctx, control.Cmd{Sudo: d.Sudo, Argv: append([]string{"mkdir", "-p"}, dirs...)}); err != nil {
		return fmt.Errorf("deploy: %s: make directories: %w", r.Node(), err)
	}
	if d.Program != "" {
		return nil
	}
	if err := r.Upload(ctx, localBinary, d.Bin(), 0o755); err != nil {
		return fmt.Errorf("deploy: %s: upload %s: %w", r.Node(), localBinary, err)
	}
	return nil
}

// pidScript prints the daemon's pid if the pidfile names a live process
// whose command line starts with the binary's path; it prints nothing
// otherwise. The first NUL-separated field of /proc/PID/cmdline must be
// the path itself, or the path, a space and more: a program that rewrote
// its process title (redis-server shows "/usr/bin/redis-server *:6379")
// is still recognised, one whose path merely begins the same is not.
// $1 pidfile, $2 binary.
const pidScript = `pid=$(cat "$1" 2>/dev/null) || exit 0
case "$pid" in ''|*[!0-9]*) exit 0;; esac
[ -r "/proc/$pid/cmdline" ] || exit 0
cmd=$(tr '\0' '\n' < "/proc/$pid/cmdline" | head -n 1)
case "$cmd" in "$2"|"$2 "*) echo "$pid";; esac
exit 0`

// Pid returns the pid of the running daemon, or 0 when it is not running.
// A pidfile that names a process which is not ours counts as not running.
func (d Daemon) Pid(ctx context.Context, r control.Runner) (int, error) {
	out, err := control.Exec(ctx, r, d.Sudo, "sh", "-c", pidScript, "pid", d.PidPath(), d.Bin())
	if err != nil {
		return 0, fmt.Errorf("deploy: %s: read pidfile: %w", r.Node(), err)
	}
	out = strings.TrimSpace(out)
	if out == "" {
		return 0, nil
	}
	pid, err := strconv.Atoi(out)
	if err != nil {
		return 0, fmt.Errorf("deploy: %s: pidfile %s holds %q", r.Node(), d.PidPath(), out)
	}
	return pid, nil
}

// startScript starts "$@" (after shifting the log and pid paths) detached:
// own session, stdio to the log, pid recorded. $1 log, $2 pidfile.
const startScript = `log=$1; pidf=$2; shift 2
setsid "$@" >>"$log" 2>&1 </dev/null &
echo $! >"$pidf"`

// Start starts the daemon with args unless it is already running.
func (d Daemon) Start(ctx context.Context, r control.Runner, args ...string) error {
	pid, err := d.Pid(ctx, r)
	if err != nil {
		return err
	}
	if pid != 0 {
		return nil
	}
	argv := append([]string{"sh", "-c", startScript, "start", d.LogPath(), d.PidPath(), d.Bin()}, args...)
	if _, err := r.Run(ctx, control.Cmd{Sudo: d.Sudo, Argv: argv}); err != nil {
		return fmt.Errorf("deploy: %s: start %s: %w", r.Node(), d.Name, err)
	}
	// The pidfile names the background child at once, but the child is
	// only the daemon once setsid has exec'd it: wait (briefly) until the
	// pid is recognisably ours, so that a Kill right after Start works. A
	// daemon that dies at once is left for the caller's health check to
	// report with its log.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if pid, err := d.Pid(ctx, r); err != nil || pid != 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// Signal sends sig (e.g. "KILL", "TERM", "STOP", "CONT") to the daemon if it
// is running, after checking that the pid is really ours. It reports whether
// a process was signalled.
func (d Daemon) Signal(ctx context.Context, r control.Runner, sig string) (bool, error) {
	pid, err := d.Pid(ctx, r)
	if err != nil || pid == 0 {
		return false, err
	}
	if _, err := r.Run(ctx, control.Cmd{Sudo: d.Sudo, Argv: []string{"kill", "-s", sig, strconv.Itoa(pid)}}); err != nil {
		var ee *control.ExitError
		if errors.As(err, &ee) {
			return false, nil // it died in between
		}
		return false, fmt.Errorf("deploy: %s: kill -%s %d: %w", r.Node(), sig, pid, err)
	}
	return true, nil
}

// Kill sends SIGKILL and waits (bounded) until the process is gone.
func (d Daemon) Kill(ctx context.Context, r control.Runner) error {
	if _, err := d.Signal(ctx, r, "CONT"); err != nil { // a paused process dies on KILL too, but be explicit
		return err
	}
	if _, err := d.Signal(ctx, r, "KILL"); err != nil {
		return err
	}
	return d.waitGone(ctx, r, 5*time.Second)
}

// Stop sends SIGTERM, waits up to grace, then SIGKILL.
func (d Daemon) Stop(ctx context.Context, r control.Runner, grace time.Duration) error {
	if _, err := d.Signal(ctx, r, "CONT"); err != nil {
		return err
	}
	ok, err := d.Signal(ctx, r, "TERM")
	if err != nil || !ok {
		return err
	}
	if d.waitGone(ctx, r, grace) == nil {
		return nil
	}
	return d.Kill(ctx, r)
}

func (d Daemon) waitGone(ctx context.Context, r control.Runner, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		pid, err := d.Pid(ctx, r)
		if err != nil {
			return err
		}
		if pid == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("deploy: %s: %s (pid %d) still running after %s", r.Node(), d.Name, pid, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// LogTail returns the last n lines of the daemon's log, for error messages.
func (d Daemon) LogTail(ctx context.Context, r control.Runner, n int) string {
	out, _ := control.Exec(ctx, r, d.Sudo, "tail", "-n", strconv.Itoa(n), d.LogPath())
	return strings.TrimSpace(out)
}

// Wipe removes the daemon's data, log and pidfile (not the binary).
func (d Daemon) Wipe(ctx context.Context, r control.Runner) error {
	_, err := r.Run(ctx, control.Cmd{Sudo: d.Sudo, Argv: []string{"rm", "-rf", d.DataDir(), d.LogPath(), d.PidPath()}})
	if err != nil {
		return fmt.Errorf("deploy: %s: wipe: %w", r.Node(), err)
	}
	return nil
}

// Stopped lists the daemon's process if it is in the stopped (T) state:
// residue of a pause that was never resumed.
func (d Daemon) Stopped(ctx context.Context, r control.Runner) (bool, error) {
	pid, err := d.Pid(ctx, r)
	if err != nil || pid == 0 {
		return false, err
	}
	out, err := control.Exec(ctx, r, d.Sudo, "cat", "/proc/"+strconv.Itoa(pid)+"/stat")
	if err != nil {
		return false, nil
	}
	// /proc/PID/stat: "pid (comm) S ..."; comm may hold spaces, so split at the last ')'.
	i := strings.LastIndexByte(out, ')')
	if i < 0 || i+2 >= len(out) {
		return false, nil
	}
	return out[i+2] == 'T' || out[i+2] == 't', nil
}
