package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/run"
)

type analyzeOptions struct {
	model   string
	format  string
	timeout time.Duration
}

func newAnalyzeCmd(g *globals) *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze RUN_DIR | analyze --model M [--format F] FILE...",
		Short: "Re-check a stored run, or check history files from faultline or other tools",
		Long: `With a run directory: re-checks its history.jsonl (no cluster needed) and
rewrites results.json and the report.

With --model: checks each history FILE and prints one verdict line per file
and a summary. Formats: jsonl (faultline's history, the default), jepsen
(Jepsen's text log), edn (EDN maps, one op per line). Models: cas-register
(keyed read/write/cas), kv (get/put/append), queue (FIFO
enqueue/dequeue).`,
		Example: `  faultline analyze store/latest
  faultline analyze --model cas-register --format jepsen ../shared/testdata/porcupine/jepsen-etcd/*.log
  faultline analyze --model kv --format edn c10-ok.txt`,
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(checker.Formats, o.format) {
				return badInput("--format %q is not one of %s", o.format, strings.Join(checker.Formats, ", "))
			}
			if len(args) == 0 {
				return badInput("analyze needs a run directory or history files (see faultline analyze --help)")
			}
			if o.model == "" {
				if len(args) != 1 {
					return badInput("analyze of a run directory takes one directory; to check files pass --model")
				}
				return runAnalyzeDir(c.Context(), g, args[0], o)
			}
			return runAnalyzeFiles(c.Context(), g, args, o)
		},
	}
	c.Flags().StringVar(&o.model, "model", "", "checker model for history files: cas-register, kv, queue")
	c.Flags().StringVar(&o.format, "format", "jsonl", "history file format: jsonl, jepsen, edn")
	c.Flags().DurationVar(&o.timeout, "check-timeout", 60*time.Second, "per-history check budget; past it the verdict is unknown")
	return c
}

func runAnalyzeDir(ctx context.Context, g *globals, dir string, o *analyzeOptions) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return badInput("analyze: %s is not a run directory (pass --model to check history files)", dir)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	cfg, err := run.ReadConfig(dir)
	if err != nil {
		return badInput("analyze: %s: no readable test.json (%v)", dir, err)
	}
	model := cfg.Model
	if model == "" {
		model = "cas-register"
	}
	m, err := checker.ModelByName(model)
	if err != nil {
		return badInput("analyze: %s/test.json names model %q: %v", dir, model, err)
	}
	lin := &checker.Linearizable{Model: m, Timeout: o.timeout, MinOK: 10}
	res, err := run.Check(ctx, dir, []checker.Checker{lin},
		func(ctx context.Context, dir string, h history.History, res checker.Results) error {
			return reports.Write(ctx, dir, h, res, model, o.timeout)
		})
	if err != nil {
		return err
	}
	for name, r := range res.Checkers {
		if r.Summary != "" {
			fmt.Fprintf(g.stderr, "%s: %s: %s\n", name, r.Verdict, r.Summary)
		}
	}
	fmt.Fprintf(g.stdout, "verdict: %s\nrun: %s\n", res.Verdict, dir)
	return verdictError{res.Verdict}
}

func runAnalyzeFiles(ctx context.Context, g *globals, files []string, o *analyzeOptions) error {
	// Refuse a bad --model once, not once per file.
	if _, err := checker.ModelByName(o.model); err != nil {
		return err
	}
	counts := map[checker.Verdict]int{}
	var verdicts []checker.Verdict
	var badErr error
	start := time.Now()
	for _, f := range files {
		t0 := time.Now()
		r, err := checker.AnalyzeFile(ctx, f, o.model, o.format, checker.Linearizable{Timeout: o.timeout})
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = badInput("analyze: history file %s does not exist", f)
			}
			if len(files) == 1 && exitCode(err) == ExitBadInput {
				return err
			}
			fmt.Fprintf(g.stdout, "%s\terror\t%v\n", f, err)
			if badErr == nil {
				badErr = err
			}
			continue
		}
		counts[r.Verdict]++
		verdicts = append(verdicts, r.Verdict)
		fmt.Fprintf(g.stdout, "%s\t%s\t%s\t%s\n", f, r.Verdict, time.Since(t0).Round(time.Millisecond), r.Summary)
	}
	fmt.Fprintf(g.stdout, "summary: %d files: %d valid, %d invalid, %d unknown, %d errors in %s\n",
		len(files), counts[checker.Valid], counts[checker.Invalid], counts[checker.Unknown],
		len(files)-len(verdicts), time.Since(start).Round(time.Millisecond))
	if badErr != nil {
		return badErr
	}
	return verdictError{checker.Merge(verdicts...)}
}
