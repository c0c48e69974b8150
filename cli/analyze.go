package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/workloads"
)

type analyzeOptions struct {
	model    string
	format   string
	timeout  time.Duration
	failFast bool
}

func newAnalyzeCmd(g *globals) *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze RUN_DIR | analyze --model M [--format F] FILE|DIR...",
		Short: "Re-check a stored run, or check history files from faultline or other tools",
		Long: `With a run directory: re-checks its history.jsonl (no cluster needed) and
rewrites results.json and the report.

With --model: checks each history FILE (a DIR stands for every history file
under it whose name ends as the format expects: .jsonl; .log or .txt for
jepsen; .edn or .txt for edn) on all cores, and prints one verdict line per
file, in argument order, and a summary. Formats: jsonl (faultline's history, the default), jepsen
(Jepsen's text log), edn (EDN maps, one op per line). Models: cas-register
(keyed read/write/cas), kv (get/put/append), queue (FIFO
enqueue/dequeue).`,
		Example: `  faultline analyze store/latest
  faultline analyze --model cas-register --format jepsen testdata/external/jepsen-etcd/*.log
  faultline analyze --model kv --format edn c10-ok.txt
  faultline analyze --model cas-register --format jepsen testdata/external/jepsen-etcd/`,
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(checker.Formats, o.format) {
				return badInput("--format %q is not one of %s", o.format, strings.Join(checker.Formats, ", "))
			}
			if len(args) == 0 {
				return badInput("analyze needs a run directory or history files (see faultline analyze --help)")
			}
			if o.timeout <= 0 || o.timeout > maxRunTime {
				return badInput("--check-timeout %s: must be positive and at most %s", o.timeout, maxRunTime)
			}
			tuneGC()
			if o.model == "" {
				if len(args) != 1 {
					return badInput("analyze of a run directory takes one directory; to check files pass --model")
				}
				return runAnalyzeDir(c.Context(), g, args[0], o)
			}
			return runAnalyzeFiles(c.Context(), g, args, o)
		},
	}
	c.Flags().StringVar(&o.model, "model", "", "checker model for history files: "+strings.Join(checker.ModelNames, ", "))
	c.Flags().StringVar(&o.format, "format", "jsonl", "history file format: jsonl, jepsen, edn")
	c.Flags().DurationVar(&o.timeout, "check-timeout", 60*time.Second, "the budget of a whole re-check of RUN_DIR (checks, then the report), or of each history file; past it the verdict is unknown")
	c.Flags().BoolVar(&o.failFast, "fail-fast", false, "stop the linearizability check at the first failing key (a faster verdict; the other keys go unchecked)")
	return c
}

// tuneGC trades memory for CPU in the batch check: a large history is
// mostly long-lived porcupine operations, which the default GOGC=100 scans
// over and over as the heap doubles. GOGC=300 with a soft limit of 1.5 GiB
// (the collector works harder as the heap nears it) cuts the collector's
// CPU by about a third on the 1,000,000-op benchmark (BENCHMARKS.md). The
// GOGC and GOMEMLIMIT environment variables, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1536 << 20)
	}
}

func runAnalyzeDir(ctx context.Context, g *globals, dir string, o *analyzeOptions) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return badInput("analyze: %s is not a run directory (pass --model to check history files)", dir)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return badInput("analyze: %s: no readable %s (%v)", dir, rundir.ConfigFile, err)
	}
	model := cfg.Model
	if model == "" {
		model = "cas-register"
	}
	m, err := checker.ModelByName(model)
	if err != nil {
		return badInput("analyze: %s names model %q: %v", filepath.Join(dir, rundir.ConfigFile), model, err)
	}
	// Re-check with the workload's own checkers, as the run did; a
	// test.json without a workload (another tool's) gets the model's
	// linearizability check.
	// --check-timeout bounds the whole re-check: the checkers get three
	// quarters of it, the report (the timeline's own search) what is left.
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	checkBudget := max(o.timeout*3/4, time.Millisecond)
	checkers := []checker.Checker{&checker.Linearizable{Model: m, Timeout: checkBudget, MinOK: 10, StopEarly: o.failFast}}
	if cfg.Workload != "" {
		w, ok := g.registry().workload(cfg.Workload)
		if !ok {
			return badInput("analyze: %s names workload %q, which this binary does not know (known: %s)", filepath.Join(dir, rundir.ConfigFile), cfg.Workload, strings.Join(g.registry().workloadNames(), ", "))
		}
		checkers = append(w.Checkers(workloads.CheckOptions{Timeout: checkBudget, FailFast: o.failFast}), checker.Faults{Starts: faultStartsOf(cfg.Nemeses)})
	}
	res, err := run.Check(ctx, dir, checkers,
		func(_ context.Context, dir string, h history.History, res checker.Results) error {
			// The report is written even when the budget is spent: its
			// timeline then shows what it found in the time left (at least
			// a moment), under a context of its own.
			left := max(time.Until(deadline), 100*time.Millisecond)
			rctx, rcancel := context.WithTimeout(context.Background(), left)
			defer rcancel()
			return reports.Write(rctx, dir, h, res, model, left)
		})
	if err != nil {
		return err
	}
	for name, r := range res.Checkers {
		if r.Summary != "" {
			fmt.Fprintf(g.stderr, "%s: %s: %s\n", name, r.Verdict, r.Summary)
		}
	}
	printModels(g.stderr, res)
	fmt.Fprintf(g.stdout, "verdict: %s\nrun: %s\n", res.Verdict, dir)
	return verdictError{res.Verdict}
}

// formatExts are the file name endings a directory argument picks up, per
// --format: Jepsen's logs are jepsen.log (or .txt), EDN histories
// history.edn (or .txt).
var formatExts = map[string][]string{
	"jsonl":  {".jsonl"},
	"jepsen": {".log", ".txt"},
	"edn":    {".edn", ".txt"},
}

// expandArgs replaces each directory argument by the history files under it
// (recursively, sorted, hidden entries skipped) whose name ends as --format
// expects; file arguments are kept as given.
func expandArgs(args []string, format string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			files = append(files, a) // a missing file is reported in its own line
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && slices.ContainsFunc(formatExts[format], func(ext string) bool { return strings.HasSuffix(d.Name(), ext) }) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, badInput("analyze: directory %s: %v", a, err)
		}
		if len(found) == 0 {
			return nil, badInput("analyze: directory %s has no %s history files (names ending %s)", a, format, strings.Join(formatExts[format], " or "))
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// fileResult is the check of one history file.
type fileResult struct {
	res     checker.Result
	err     error
	elapsed time.Duration
}

func runAnalyzeFiles(ctx context.Context, g *globals, args []string, o *analyzeOptions) error {
	// Refuse a bad --model once, not once per file.
	if _, err := checker.ModelByName(o.model); err != nil {
		return err
	}
	files, err := expandArgs(args, o.format)
	if err != nil {
		return err
	}
	// Files are checked on all cores, at most NumCPU at once (so at most
	// that many histories are in memory), and reported in argument order as
	// soon as each one and those before it are done.
	results := make([]chan fileResult, len(files))
	for i := range results {
		results[i] = make(chan fileResult, 1)
	}
	sem := make(chan struct{}, runtime.NumCPU())
	go func() {
		for i, f := range files {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				t0 := time.Now()
				// Keys stay checked on all cores within each file too: a
				// hard valid key must not hold up an easy illegal one
				// (kv/c50-bad.txt times out with one worker per file).
				r, err := checker.AnalyzeFile(ctx, f, o.model, o.format, checker.Linearizable{Timeout: o.timeout, StopEarly: o.failFast})
				results[i] <- fileResult{r, err, time.Since(t0)}
			}()
		}
	}()
	counts := map[checker.Verdict]int{}
	var verdicts []checker.Verdict
	var badErr error
	start := time.Now()
	for i, f := range files {
		fr := <-results[i]
		r, err := fr.res, fr.err
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
		fmt.Fprintf(g.stdout, "%s\t%s\t%s\t%s\n", f, r.Verdict, fr.elapsed.Round(time.Millisecond), r.Summary)
	}
	fmt.Fprintf(g.stdout, "summary: %d files: %d valid, %d invalid, %d unknown, %d errors in %s\n",
		len(files), counts[checker.Valid], counts[checker.Invalid], counts[checker.Unknown],
		len(files)-len(verdicts), time.Since(start).Round(time.Millisecond))
	if badErr != nil {
		return badErr
	}
	return verdictError{checker.Merge(verdicts...)}
}
