package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cluster"
	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/targetfile"
)

// Exit codes, as package exitcode defines them.
const (
	ExitValid    = exitcode.Valid
	ExitInvalid  = exitcode.Invalid
	ExitUnknown  = exitcode.Unknown
	ExitBadInput = exitcode.BadInput
	ExitHarness  = exitcode.Harness
)

// errBadInput marks bad arguments or input: exit 254.
var errBadInput = errors.New("bad input")

// badInput formats a one-line bad-input error.
func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadInput}, args...)...)
}

// verdictError carries a run's verdict out of a command as its exit code.
type verdictError struct{ verdict checker.Verdict }

func (e verdictError) Error() string { return "verdict " + string(e.verdict) }

// verdictCode maps a verdict to its exit code.
func verdictCode(v checker.Verdict) int {
	switch v {
	case checker.Valid:
		return ExitValid
	case checker.Invalid:
		return ExitInvalid
	default:
		return ExitUnknown
	}
}

// exitCode is the one place where errors become exit codes.
func exitCode(err error) int {
	var ve verdictError
	switch {
	case err == nil:
		return ExitValid
	case errors.As(err, &ve):
		return verdictCode(ve.verdict)
	case errors.Is(err, run.ErrHarness):
		// The runner's harness errors wrap their cause (a setup that met a
		// refused option, a cancelled context); the harness failing is
		// what decides the code.
		return ExitHarness
	case errors.Is(err, errBadInput), errors.Is(err, cluster.ErrBadInput),
		errors.Is(err, history.ErrMalformed), errors.Is(err, checker.ErrBadInput),
		errors.Is(err, nemesis.ErrUnknown), errors.Is(err, nemesis.ErrUnsupported),
		errors.Is(err, targets.ErrBadOption), errors.Is(err, rundir.ErrSymlink),
		errors.Is(err, targetfile.ErrTargetFile):
		return ExitBadInput
	default:
		return ExitHarness
	}
}

// maxErrorLine bounds the one line an error is printed as.
const maxErrorLine = 2000

// report prints err as one line (the verdict carries its own output).
func report(w io.Writer, err error) {
	var ve verdictError
	if err == nil || errors.As(err, &ve) || errors.Is(err, context.Canceled) && exitCode(err) == ExitValid {
		return
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, errBadInput.Error()+": ")
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	// One line, and a short one, whatever the input echoed into it.
	fmt.Fprintf(w, "faultline: %s\n", history.Clip(msg, maxErrorLine))
}
