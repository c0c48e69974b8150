package checker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/jepsenlog"
)

// Formats lists the history formats ReadHistory reads.
var Formats = []string{"jsonl", "jepsen", "edn"}

// ReadHistory reads a history file in format "jsonl" (faultline's own,
// the default when format is ""), "jepsen" (Jepsen's text log) or "edn"
// (one EDN map per line). An unknown format is an error wrapping
// ErrBadInput; a malformed file one wrapping history.ErrMalformed.
func ReadHistory(path, format string) (history.History, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	switch format {
	case "", "jsonl":
		return history.ReadFile(path)
	case "jepsen":
		return jepsenlog.ReadFile(path)
	default:
		return edn.ReadFile(path)
	}
}

func checkFormat(format string) error {
	switch format {
	case "", "jsonl", "jepsen", "edn":
		return nil
	}
	return fmt.Errorf("%w: --format %q is not one of %s", ErrBadInput, format, strings.Join(Formats, ", "))
}

// AnalyzeFile checks the history at path for linearizability against the
// model called model ("cas-register", "kv", "queue"); opts supplies the
// timeouts and minimum activity (its Model is replaced). A model with a
// check of its own (the queue: FIFO) reads the whole history and checks it
// so. Errors: ErrBadInput for an unknown model or format or ops the model
// cannot read, history.ErrMalformed for a malformed file; a check that
// cannot decide is an unknown Result, not an error.
func AnalyzeFile(ctx context.Context, path, model, format string, opts Linearizable) (Result, error) {
	m, err := ModelByName(model)
	if err != nil {
		return Result{}, err
	}
	if err := checkFormat(format); err != nil {
		return Result{}, err
	}
	opts.Model = m
	if m.check != nil {
		h, err := ReadHistory(path, format)
		if err != nil {
			return Result{}, err
		}
		r, err := m.check(ctx, h, opts)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", path, err)
		}
		return decidesLinearizable(r), nil
	}
	prep, err := prepareFile(m, path, format)
	if err != nil {
		return Result{}, err
	}
	return decidesLinearizable(opts.check(ctx, prep)), nil
}

// prepareFile reads the history at path into porcupine operations. Our own
// JSONL is streamed: each op goes straight from the file into the model's
// encoding, so the history is never held whole, only the porcupine
// operations and the invokes in flight. The other formats are parsed whole
// and then encoded.
func prepareFile(m Model, path, format string) (*prepared, error) {
	pr, err := m.newPreparer()
	if err != nil {
		return nil, err
	}
	if format == "" || format == "jsonl" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		defer f.Close()
		info, err := history.Scan(f, path, pr.add)
		if err != nil {
			if errors.Is(err, ErrBadInput) {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return nil, err
		}
		prep, err := pr.finish()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		prep.torn = info.Torn
		return prep, nil
	}
	h, err := ReadHistory(path, format)
	if err != nil {
		return nil, err
	}
	prep, err := m.prepare(h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return prep, nil
}
