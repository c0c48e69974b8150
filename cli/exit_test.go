package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cluster"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/targets"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"verdict valid", verdictError{checker.Valid}, 0},
		{"verdict invalid", verdictError{checker.Invalid}, 1},
		{"verdict unknown", verdictError{checker.Unknown}, 2},
		{"verdict not one of the three", verdictError{checker.Verdict("maybe")}, 2},
		{"wrapped verdict", fmt.Errorf("campaign: %w", verdictError{checker.Invalid}), 1},
		{"badInput", badInput("--x %q", "y"), 254},
		{"wrapped badInput", fmt.Errorf("outer: %w", badInput("--x")), 254},
		{"errBadInput itself", errBadInput, 254},
		{"cluster.ErrBadInput", cluster.BadInputf("cluster: nodes file f line 3: no address"), 254},
		{"wrapped cluster.ErrBadInput", fmt.Errorf("x: %w", cluster.ErrBadInput), 254},
		{"history.ErrMalformed", &history.MalformedError{File: "h.jsonl", Line: 3, What: "bad"}, 254},
		{"wrapped history.ErrMalformed", fmt.Errorf("run: %w", history.ErrMalformed), 254},
		{"checker.ErrBadInput", fmt.Errorf("%w: --model %q", checker.ErrBadInput, "nope"), 254},
		{"nemesis.ErrUnknown", fmt.Errorf("%w %q", nemesis.ErrUnknown, "flood"), 254},
		{"rundir.ErrSymlink", fmt.Errorf("rundir: d/results.json %w", rundir.ErrSymlink), 254},
		{"plain error", errors.New("boom"), 255},
		{"unreachable node", fmt.Errorf("%w: n1: connection refused", errUnreachable), 255},
		{"context canceled", context.Canceled, 255},
		{"joined harness errors", errors.Join(errors.New("a"), errors.New("b")), 255},
		{"run harness error wrapping a bad option", fmt.Errorf("%w: setup: %w", run.ErrHarness, targets.ErrBadOption), 255},
		{"run harness error wrapping a malformed history", fmt.Errorf("%w: final phase: %w", run.ErrHarness, history.ErrMalformed), 255},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", c.name, c.err, got, c.want)
		}
	}
}

func TestReport(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"nil prints nothing", nil, ""},
		{"a verdict prints nothing", verdictError{checker.Invalid}, ""},
		{"bad input loses its sentinel prefix", badInput("--concurrency %d: must be at least 1", 0), "faultline: --concurrency 0: must be at least 1\n"},
		{"a harness error", errors.New("run: boom"), "faultline: run: boom\n"},
		{"several lines become one", errors.Join(errors.New("n1: down"), errors.New("n2: down")), "faultline: n1: down; n2: down\n"},
		{"trailing space trimmed", errors.New("x \n"), "faultline: x\n"},
	} {
		var b bytes.Buffer
		report(&b, c.err)
		if b.String() != c.want {
			t.Errorf("%s: report(%v) wrote %q, want %q", c.name, c.err, b.String(), c.want)
		}
	}
}

func TestVerdictCodeOrder(t *testing.T) {
	// Jepsen's codes: a merged verdict's code must be the merged code.
	for _, vs := range [][]checker.Verdict{
		{checker.Valid, checker.Invalid},
		{checker.Valid, checker.Unknown},
		{checker.Unknown, checker.Invalid},
		{checker.Valid},
	} {
		m := checker.Merge(vs...)
		want := ExitValid
		for _, v := range vs {
			switch {
			case v == checker.Invalid:
				want = ExitInvalid
			case v == checker.Unknown && want != ExitInvalid:
				want = ExitUnknown
			}
		}
		if got := exitCode(verdictError{m}); got != want {
			t.Errorf("verdicts %v merge to %s, exit %d, want %d", vs, m, got, want)
		}
	}
}
