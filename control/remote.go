package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Remote runs commands on, and moves files to and from, one node.
// Implementations: ssh (real nodes), local (this machine), dummy (records
// commands for unit tests).
type Remote interface {
	// Run runs cmd.Argv on the node. Each argument is shell-quoted by the
	// implementation; there is no way to pass a command line as a string.
	// A command that ran and exited non-zero returns *ExitError; a
	// connection problem returns an error wrapping ErrTransport.
	Run(ctx context.Context, cmd Cmd) (Result, error)
	// Upload copies the local file to path on the node atomically: to a
	// temporary name in the same directory, checksum verified, then renamed.
	Upload(ctx context.Context, local, path string, mode os.FileMode) error
	// Download copies path on the node to the local file.
	Download(ctx context.Context, path, local string) error
	// Node names the node, for errors and logs.
	Node() string
	Close() error
}

// Cmd is a command to run on a node.
type Cmd struct {
	Argv  []string
	Sudo  bool      // run as root: sudo -n when the remote user is not root
	Stdin io.Reader // optional
	Dir   string    // optional working directory
}

// Result is what a finished command printed.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// ErrTransport marks errors of the connection, not of the command: these and
// only these are retried.
var ErrTransport = errors.New("control: transport error")

// ExitError is returned by Run when the command ran and exited non-zero.
type ExitError struct {
	Node   string
	Argv   []string
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	cmd := oneLine(Quote(e.Argv))
	if len(cmd) > 120 {
		cmd = cmd[:117] + "..."
	}
	tail := oneLine(e.Stderr)
	if len(tail) > 300 {
		tail = "..." + tail[len(tail)-300:]
	}
	return fmt.Sprintf("control: %s: %s exited %d: %s", e.Node, cmd, e.Code, tail)
}

// oneLine folds s onto one line, for error messages.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Runner is the subset of Remote that most callers need.
type Runner interface {
	Run(ctx context.Context, cmd Cmd) (Result, error)
	Node() string
}

// Exec is a convenience: Run argv (optionally as root) and return stdout.
func Exec(ctx context.Context, r Runner, sudo bool, argv ...string) (string, error) {
	res, err := r.Run(ctx, Cmd{Argv: argv, Sudo: sudo})
	return string(res.Stdout), err
}
