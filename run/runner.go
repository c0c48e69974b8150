package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// Outcome is what a run produced.
type Outcome struct {
	Dir         string
	Results     checker.Results
	Interrupted bool     // the run was cut short by a signal
	Residue     []string // faults that could not be removed at teardown
}

// ErrHarness marks failures of the harness itself (a node unreachable,
// teardown left residue): exit code 255.
var ErrHarness = errors.New("run: harness error")

// Run executes the test's phases: preflight heal, setup, workload under the
// nemesis, heal, recovery, log collection, teardown with residue check,
// checking and report. Faults are healed on every path. When ctx is
// cancelled mid-run (Ctrl-C), the run stops early, heals, and checks the
// partial history. The error is non-nil only for harness errors; the
// verdict is in the outcome.
func Run(ctx context.Context, t *Test) (*Outcome, error) {
	if t.Store == "" {
		t.Store = "store"
	}
	if t.Status == nil {
		t.Status = io.Discard
	}
	start := time.Now()
	t.Config.Start = start.UTC()
	dir, err := rundir.New(t.Store, t.Config.Name, start)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Dir: dir}
	// While this process lives the run is "running"; once it is gone, a
	// run without results was interrupted (serve tells them apart).
	if err := rundir.WriteController(dir); err != nil {
		return out, fmt.Errorf("run: %w", err)
	}
	defer rundir.RemoveController(dir)
	// The log and the history are appended as the run goes, so they are
	// not written through rundir.Write; the directory is the one New has
	// just made, which nobody else has had a chance to plant links in.
	logf, err := os.OpenFile(filepath.Join(dir, rundir.LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return out, fmt.Errorf("run: %w", err)
	}
	defer logf.Close()
	log := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Info("run starting", "dir", dir, "target", t.Config.Target, "mode", t.Config.Mode,
		"workload", t.Config.Workload, "nemeses", t.Config.Nemeses, "seed", t.Config.Seed)
	if err := rundir.WriteConfig(dir, t.Config); err != nil {
		return out, err
	}
	rundir.UpdateLatest(t.Store, dir)

	res0 := startResources(500 * time.Millisecond)
	hw, err := history.Create(filepath.Join(dir, rundir.HistoryFile))
	if err != nil {
		return out, fmt.Errorf("run: %w", err)
	}
	// From here on, every exit path heals (with a context that a Ctrl-C
	// does not cancel) and closes the history.
	cleanCtx := context.WithoutCancel(ctx)
	harnessErr := func() error {
		fmt.Fprintf(t.Status, "preflight: healing leftover faults\n")
		if t.Healer != nil {
			heal := t.Healer.Heal
			if p, ok := t.Healer.(Preflighter); ok {
				heal = p.Preflight
			}
			if err := heal(ctx); err != nil {
				return fmt.Errorf("%w: preflight heal: %w", ErrHarness, err)
			}
		}
		fmt.Fprintf(t.Status, "setup: deploying %s (%s) on %d nodes\n", t.Config.Target, t.Config.Mode, len(t.Config.Nodes))
		log.Info("setup")
		if err := t.Target.Setup(ctx); err != nil {
			return fmt.Errorf("%w: setup: %w", ErrHarness, err)
		}
		log.Info("workload starting")
		out.Interrupted = t.workload(ctx, hw, log)
		return nil
	}()
	// Final heal, always.
	healStart := time.Now()
	if t.Nemesis != nil || t.Healer != nil {
		fmt.Fprintf(t.Status, "heal: removing every fault\n")
		inv, _ := hw.Record(history.Op{Process: history.Nemesis, Type: history.Invoke, F: "heal"})
		herr := t.heal(cleanCtx)
		c := inv.Complete(history.OK, nil, "")
		if herr != nil {
			c = inv.Complete(history.Info, nil, herr.Error())
			log.Error("final heal", "err", herr)
		}
		hw.Record(c)
	}
	if harnessErr == nil && !out.Interrupted && t.Config.Recovery > 0 {
		d := time.Duration(t.Config.Recovery) - time.Since(healStart)
		if d > 0 {
			fmt.Fprintf(t.Status, "recovery: waiting %s\n", d.Round(time.Millisecond))
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
	}
	if harnessErr == nil && !out.Interrupted && t.Final != nil {
		fmt.Fprintf(t.Status, "final: %s final phase\n", t.Config.Workload)
		log.Info("final phase")
		if err := t.Final(ctx, hw); err != nil {
			log.Error("final phase", "err", err)
			harnessErr = fmt.Errorf("%w: final phase: %w", ErrHarness, err)
		}
	}
	if err := hw.Close(); err != nil {
		log.Error("history close", "err", err)
	}
	if harnessErr == nil || !errors.Is(harnessErr, context.Canceled) {
		if err := t.Target.CollectLogs(cleanCtx, filepath.Join(dir, rundir.NodesDir)); err != nil {
			log.Warn("collect logs", "err", err)
		}
	}
	if err := t.Target.Teardown(cleanCtx); err != nil {
		log.Error("teardown", "err", err)
		if harnessErr == nil {
			harnessErr = fmt.Errorf("%w: teardown: %w", ErrHarness, err)
		}
	}
	out.Residue = t.residue(cleanCtx, log)
	if len(out.Residue) > 0 && harnessErr == nil {
		harnessErr = fmt.Errorf("%w: teardown left residue: %s", ErrHarness, strings.Join(out.Residue, "; "))
	}
	// Check what is on disk: the store is the hand-off.
	fmt.Fprintf(t.Status, "check: %s\n", filepath.Join(dir, rundir.HistoryFile))
	live := map[string]any{"controller": res0.finish()}
	if len(t.targetStats) > 0 {
		live["target"] = t.targetStats
	}
	checkers := t.Checkers
	if out.Interrupted {
		checkers = append(checkers[:len(checkers):len(checkers)], interrupted{})
	}
	res, cerr := check(cleanCtx, dir, checkers, t.Report, live)
	if cerr != nil {
		log.Error("check", "err", cerr)
		if harnessErr == nil {
			harnessErr = cerr
		}
	}
	if harnessErr != nil {
		log.Error("run failed", "err", harnessErr)
	}
	out.Results = res
	log.Info("run done", "verdict", res.Verdict, "elapsed", time.Since(start))
	return out, harnessErr
}

func (t *Test) heal(ctx context.Context) error {
	var errs []error
	if t.Nemesis != nil {
		if err := t.Nemesis.Heal(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if t.Healer != nil {
		if err := t.Healer.Heal(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// residue checks every node for faults left behind, heals once more if
// there are any, and returns what is still there.
func (t *Test) residue(ctx context.Context, log *slog.Logger) []string {
	find := func() []string {
		var res []string
		if t.Healer != nil {
			r, err := t.Healer.Residue(ctx)
			res = append(res, r...)
			if err != nil {
				res = append(res, "nemesis residue check: "+err.Error())
			}
		}
		r, err := t.Target.Residue(ctx)
		res = append(res, r...)
		if err != nil {
			res = append(res, "target residue check: "+err.Error())
		}
		return res
	}
	res := find()
	if len(res) == 0 {
		return nil
	}
	log.Warn("residue after teardown; healing again", "residue", res)
	t.heal(ctx)
	return find()
}

// Check reads dir/history.jsonl, runs the checkers, writes results.json
// (and the report, if given), and returns the results. analyze uses it too.
func Check(ctx context.Context, dir string, checkers []checker.Checker,
	report func(context.Context, string, history.History, checker.Results) error) (checker.Results, error) {
	return check(ctx, dir, checkers, report, nil)
}

// interrupted is the checker of a run cut short by a signal: a partial
// history cannot pass, so it is unknown (an anomaly found is still invalid).
type interrupted struct{}

func (interrupted) Name() string { return "run" }
func (interrupted) Check(context.Context, history.History) checker.Result {
	return checker.Result{Verdict: checker.Unknown, Summary: "the run was interrupted before its time limit; a partial history cannot pass"}
}

// check is Check with the figures only a live run can measure (controller
// and target stats); without them, a re-check keeps those of the previous
// results.json.
func check(ctx context.Context, dir string, checkers []checker.Checker,
	report func(context.Context, string, history.History, checker.Results) error, live map[string]any) (checker.Results, error) {
	h, info, err := history.ReadFileInfo(filepath.Join(dir, rundir.HistoryFile))
	if err != nil && live == nil {
		// A re-check never destroys what the live run recorded: its
		// verdict, its controller and target stats and its report stay
		// as they were, and the run directory does not contradict itself.
		if _, rerr := rundir.ReadResults(dir); rerr == nil {
			return checker.Results{}, fmt.Errorf("run: re-check of %s: %w (%s and the report are kept as the run left them)", dir, err, rundir.ResultsFile)
		}
	}
	if err != nil {
		res := checker.Results{Verdict: checker.Unknown, Checkers: map[string]checker.Result{
			"history": {Verdict: checker.Unknown, Summary: err.Error()}}}
		rundir.WriteResults(dir, res)
		return res, err
	}
	res := checker.Run(ctx, h, checkers...)
	if info.Torn {
		// Said, never silent: the checkers saw the history before it.
		res.Checkers["history"] = checker.Result{Verdict: checker.Valid,
			Summary: fmt.Sprintf("the last line of %s was torn (cut off mid-write) and dropped; the %d ops before it were checked", rundir.HistoryFile, len(h))}
	}
	res.Stats = stats(h)
	if live != nil {
		res.Stats = addStats(res.Stats, live)
	} else if old, err := rundir.ReadResults(dir); err == nil {
		// A re-check keeps what only the live run could measure.
		var prev map[string]json.RawMessage
		if json.Unmarshal(old.Stats, &prev) == nil {
			keep := map[string]any{}
			for _, k := range []string{"controller", "target"} {
				if v, ok := prev[k]; ok {
					keep[k] = v
				}
			}
			res.Stats = addStats(res.Stats, keep)
		}
	}
	if err := rundir.WriteResults(dir, res); err != nil {
		return res, err
	}
	if report != nil {
		if err := report(ctx, dir, h, res); err != nil {
			return res, fmt.Errorf("run: report: %w", err)
		}
	}
	return res, nil
}

// stats summarises the history: ops by f and type.
func stats(h history.History) json.RawMessage {
	counts := map[string]map[history.Type]int{}
	var client, nem int
	for _, op := range h {
		if op.IsNemesis() {
			nem++
			continue
		}
		if op.Type == history.Invoke {
			client++
			continue
		}
		if counts[op.F] == nil {
			counts[op.F] = map[history.Type]int{}
		}
		counts[op.F][op.Type]++
	}
	b, _ := json.Marshal(map[string]any{"client_ops": client, "nemesis_ops": nem / 2, "by_f": counts})
	return b
}

// workload runs the clients and the nemesis until the time limit or ctx
// ends; it reports whether ctx ended it early.
func (t *Test) workload(ctx context.Context, hw *history.Writer, log *slog.Logger) (interrupted bool) {
	limit := time.Duration(t.Config.TimeLimit)
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	runStart := time.Now()
	var counts [4]atomic.Int64 // ok, fail, info, invoke
	var curFault atomic.Value
	curFault.Store("none")
	prog := NewProgress(t.Status)
	var wg sync.WaitGroup
	conc := t.Config.Concurrency
	nodes := t.Config.Nodes
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := nodes[w%len(nodes)].Name
			rng := rand.New(rand.NewPCG(uint64(t.Config.Seed), uint64(w)+1))
			client, err := t.NewClient(node)
			if err != nil {
				log.Error("client open", "node", node, "err", err)
				return
			}
			defer client.Close()
			process := history.Process(w)
			var interval time.Duration
			if t.Config.Rate > 0 {
				interval = time.Duration(float64(conc) / t.Config.Rate * float64(time.Second))
			}
			// Pacing keeps a schedule (next) rather than sleeping a gap after
			// each op, so that an op's own latency does not lower the rate;
			// a worker that falls behind by more than one interval (a slow
			// or timed-out op) restarts its schedule instead of bursting.
			var pace *time.Timer
			next := time.Now()
			for wctx.Err() == nil {
				if interval > 0 {
					next = next.Add(time.Duration(rng.Int64N(int64(2*interval) + 1)))
					now := time.Now()
					if d := next.Sub(now); d > 0 {
						if pace == nil {
							pace = time.NewTimer(d)
						} else {
							pace.Reset(d)
						}
						select {
						case <-wctx.Done():
							return
						case <-pace.C:
						}
					} else if -d > interval {
						next = now
					}
				}
				op, ok := t.Generator.Next(rng, process)
				if !ok {
					return
				}
				op.Process, op.Type, op.Node = process, history.Invoke, node
				hw.Record(op)
				counts[3].Add(1)
				octx, ocancel := context.WithTimeout(context.WithoutCancel(wctx), time.Duration(t.Config.OpTimeout))
				c := client.Invoke(octx, op)
				ocancel()
				c.Index, c.Process, c.Node, c.F, c.Key = 0, process, node, op.F, op.Key
				if !c.Type.Valid() || c.Type == history.Invoke {
					c.Type, c.Error = history.Info, "client returned no completion"
				}
				hw.Record(c)
				switch c.Type {
				case history.OK:
					counts[0].Add(1)
				case history.Fail:
					counts[1].Add(1)
				default:
					counts[2].Add(1)
					// The old process may still be in flight: continue as a new one.
					process += history.Process(conc)
				}
			}
		}()
	}
	// The nemesis follows its plan.
	nemDone := make(chan struct{})
	go func() {
		defer close(nemDone)
		if t.Nemesis == nil {
			return
		}
		for _, step := range t.Plan {
			d := step.At - time.Since(runStart)
			if d > 0 {
				select {
				case <-wctx.Done():
					return
				case <-time.After(d):
				}
			}
			if wctx.Err() != nil {
				return
			}
			op := step.Op
			op.Process, op.Type = history.Nemesis, history.Invoke
			hw.Record(op)
			nctx, ncancel := context.WithTimeout(context.WithoutCancel(wctx), 30*time.Second)
			c := t.Nemesis.Invoke(nctx, op)
			ncancel()
			c.Process, c.F = history.Nemesis, op.F
			if !c.Type.Valid() || c.Type == history.Invoke {
				c.Type = history.Info
			}
			hw.Record(c)
			desc := op.F
			if len(c.Value) > 0 && len(c.Value) < 200 {
				desc += " " + string(c.Value)
			}
			if c.Error != "" {
				desc += " (error: " + c.Error + ")"
			}
			log.Info("nemesis", "f", op.F, "type", c.Type, "value", string(c.Value), "error", c.Error)
			if strings.HasPrefix(op.F, "stop") || op.F == "start" {
				curFault.Store("none")
			} else {
				curFault.Store(op.F)
			}
			prog.Printf("nemesis: %s\n", desc)
		}
	}()
	// Progress: a live line on a terminal, a plain line every few seconds
	// elsewhere (see progress.go).
	var tstats *targetStats
	statsStop := make(chan struct{})
	if r, ok := t.Target.(StatsReporter); ok {
		tstats = startTargetStats(context.WithoutCancel(ctx), r, 10*time.Second, statsStop)
	}
	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		prog.Run(wctx, func() ProgressSnapshot {
			f, _ := curFault.Load().(string)
			return ProgressSnapshot{Elapsed: time.Since(runStart), Limit: limit, Invokes: counts[3].Load(),
				OK: counts[0].Load(), Fail: counts[1].Load(), Info: counts[2].Load(), Fault: f}
		})
	}()
	<-wctx.Done()
	interrupted = ctx.Err() != nil
	fmt.Fprintf(t.Status, "workload: time limit reached, waiting for in-flight ops\n")
	wg.Wait()
	<-nemDone
	<-progDone
	close(statsStop)
	if tstats != nil {
		t.targetStats = tstats.result()
	}
	log.Info("workload done", "invokes", counts[3].Load(), "ok", counts[0].Load(), "fail", counts[1].Load(), "info", counts[2].Load())
	return interrupted
}
