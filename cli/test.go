package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/workloads"
)

type testOptions struct {
	name        string
	target      string
	mode        string
	workload    string
	nemeses     string
	timeLimit   time.Duration
	interval    time.Duration
	opTimeout   time.Duration
	recovery    time.Duration
	checkTime   time.Duration
	failFast    bool
	concurrency int
	rate        float64
	seed        int64
	clockMode   string
	// targetOpts are the target options given (--node-binary,
	// --etcd-binary, ...): the flags the registered targets declare.
	targetOpts map[string]string
}

// newTestCmd makes the test command; runF runs it with the parsed options
// (nil: runTest). Tests pass their own runF to capture the options.
func newTestCmd(g *globals, runF func(context.Context, *globals, *testOptions) error) *cobra.Command {
	if runF == nil {
		runF = runTest
	}
	o := &testOptions{}
	optFlags := map[string]*string{}
	c := &cobra.Command{
		Use:   "test",
		Short: "Run one test: deploy, workload under faults, heal, check, report",
		Long: `Runs one test against the nodes (the local cluster unless --nodes-file is
given): heals leftovers, deploys the target, runs the workload with
--concurrency clients at --rate ops/s for --time-limit while the nemesis
follows a seeded fault schedule, heals, collects logs, checks the history
and writes the run directory. Prints the verdict and the run directory;
exits 0 valid, 1 invalid, 2 unknown.`,
		Example: `  faultline test --target register --workload register --nemesis partition,kill --time-limit 60s
  faultline test --target register --mode naive --nemesis partition --seed 7
  faultline test --nemesis none --time-limit 10s --rate 50`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !c.Flags().Changed("seed") {
				o.seed = time.Now().UnixNano() % 1_000_000
			}
			o.targetOpts = givenOptions(c, optFlags)
			return runF(c.Context(), g, o)
		},
	}
	f := c.Flags()
	reg := g.registry()
	f.StringVar(&o.name, "name", "", "test name, the run's directory in the store (default TARGET-MODE-WORKLOAD)")
	f.StringVar(&o.target, "target", reg.defaultTarget(), "system under test: "+strings.Join(reg.targetNames(), ", ")+" (see faultline list)")
	f.StringVar(&o.mode, "mode", "", "the target's named configuration (default: the target's first mode)")
	f.StringVar(&o.workload, "workload", "", "workload (default: the target's first): "+strings.Join(reg.workloadNames(), ", "))
	f.StringVar(&o.nemeses, "nemesis", "partition,kill", "comma-separated faults ("+strings.Join(nemesis.Names(), ", ")+") or none")
	f.DurationVar(&o.timeLimit, "time-limit", 60*time.Second, "how long the workload runs")
	f.DurationVar(&o.interval, "nemesis-interval", 10*time.Second, "time between fault changes")
	f.DurationVar(&o.opTimeout, "op-timeout", 2*time.Second, "a client op that takes longer is recorded as info")
	f.DurationVar(&o.recovery, "recovery", 2*time.Second, "quiet time after the final heal")
	f.DurationVar(&o.checkTime, "check-timeout", 60*time.Second, "linearizability check budget; past it the verdict is unknown")
	f.BoolVar(&o.failFast, "fail-fast", false, "stop the linearizability check at the first failing key (a faster verdict; the other keys go unchecked)")
	f.IntVar(&o.concurrency, "concurrency", 10, "number of client workers")
	f.Float64Var(&o.rate, "rate", 200, "target ops/s across all workers (0: as fast as possible)")
	f.Int64Var(&o.seed, "seed", 0, "seed of the generator and the fault schedule (default: random, printed)")
	f.StringVar(&o.clockMode, "clock-mode", "", "how the clock nemesis skews: file (default: the clock file our daemons read) or system (step the system clock, NTP stopped; real VMs only, refused on the local cluster)")
	addTargetOptionFlags(f, reg, optFlags)
	return c
}

// addTargetOptionFlags adds a --NAME flag for every option the registered
// targets declare.
func addTargetOptionFlags(f *pflag.FlagSet, reg *registry, into map[string]*string) {
	for _, opt := range reg.options() {
		into[opt.Name] = f.String(opt.Name, "", opt.Doc+optionDefault(opt))
	}
}

func optionDefault(o targets.Option) string {
	if o.Default == "" {
		return ""
	}
	return " (default " + o.Default + ")"
}

// givenOptions are the target options set on the command line.
func givenOptions(c *cobra.Command, flags map[string]*string) map[string]string {
	var out map[string]string
	for name, v := range flags {
		if c.Flags().Changed(name) {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = *v
		}
	}
	return out
}

// parseNemeses validates --nemesis.
func parseNemeses(s string) ([]string, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	known := map[string]bool{}
	for _, n := range nemesis.Names() {
		known[n] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if !known[n] {
			return nil, badInput("--nemesis %q is unknown (known: %s, or none)", n, strings.Join(nemesis.Names(), ", "))
		}
		if !seen[n] {
			out = append(out, n)
			seen[n] = true
		}
	}
	return out, nil
}

// Bounds of the run's settings: what a test on a real cluster can use,
// with room to spare. Past them a value is a typo or an attack, and a run
// that would accept it fails later (a worker's pacing interval overflows,
// a plan of a billion steps is built, a billion goroutines start).
const (
	maxConcurrency = 10_000
	maxRunTime     = 1000 * time.Hour // --time-limit, --nemesis-interval, --op-timeout, --recovery, --check-timeout
	maxRate        = 10_000_000       // ops/s across all workers
	maxPacing      = time.Hour        // one worker's interval between ops: concurrency / rate
	maxPlanSteps   = 1_000_000        // --time-limit / --nemesis-interval
)

func (o *testOptions) validate() error {
	dur := func(flag string, d time.Duration, zeroOK bool) error {
		switch {
		case d < 0 || d == 0 && !zeroOK:
			if zeroOK {
				return badInput("%s %s: must be >= 0", flag, d)
			}
			return badInput("%s %s: must be positive (e.g. 60s)", flag, d)
		case d > maxRunTime:
			return badInput("%s %s: at most %s", flag, d, maxRunTime)
		}
		return nil
	}
	for _, c := range []struct {
		flag   string
		d      time.Duration
		zeroOK bool
	}{
		{"--time-limit", o.timeLimit, false}, {"--nemesis-interval", o.interval, false},
		{"--op-timeout", o.opTimeout, false}, {"--recovery", o.recovery, true}, {"--check-timeout", o.checkTime, false},
	} {
		if err := dur(c.flag, c.d, c.zeroOK); err != nil {
			return err
		}
	}
	switch {
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return badInput("--concurrency %d: must be between 1 and %d", o.concurrency, maxConcurrency)
	case math.IsNaN(o.rate) || math.IsInf(o.rate, 0) || o.rate < 0:
		return badInput("--rate %g: must be a number >= 0 (0 means unthrottled)", o.rate)
	case o.rate > maxRate:
		return badInput("--rate %g: at most %d ops/s (0 means unthrottled)", o.rate, maxRate)
	case o.rate > 0 && float64(o.concurrency)/o.rate > maxPacing.Seconds():
		return badInput("--rate %g: so low that each of the %d workers would wait more than %s between ops; use at least %.3g", o.rate, o.concurrency, maxPacing, float64(o.concurrency)/maxPacing.Seconds())
	case o.timeLimit/o.interval > maxPlanSteps:
		return badInput("--nemesis-interval %s: %s / %s is more than %d fault changes; use a longer interval", o.interval, o.timeLimit, o.interval, maxPlanSteps)
	case o.clockMode != "" && o.clockMode != nemesis.ClockModeFile && o.clockMode != nemesis.ClockModeSystem:
		return badInput("--clock-mode %q: want %s or %s", o.clockMode, nemesis.ClockModeFile, nemesis.ClockModeSystem)
	}
	return nil
}

// checkSupports refuses, before anything is deployed, a fault the target
// cannot take, saying why in the target's terms.
func checkSupports(t targets.Target, faults []string, clockMode string) error {
	for _, f := range faults {
		switch {
		case f == "kill" && !t.Supports.Kill:
			return badInput("--nemesis kill cannot run on target %s: its processes cannot be killed and restarted by faultline; use partition, pause or netem", t.Name)
		case f == "pause" && !t.Supports.Pause:
			return badInput("--nemesis pause cannot run on target %s: its processes cannot be paused by faultline; use partition, kill or netem", t.Name)
		case f == "clock" && clockMode == nemesis.ClockModeSystem && !t.Supports.ClockSystem:
			return badInput("--nemesis clock --clock-mode system cannot run on target %s: its processes do not read the system clock", t.Name)
		case f == "clock" && clockMode != nemesis.ClockModeSystem && !t.Supports.ClockFile:
			return badInput("--nemesis clock cannot run on target %s: it reads the kernel clock, not faultline's clock file, and on a namespace node that clock is the host's, which faultline never changes; on VMs use --clock-mode system, else use partition, kill or pause", t.Name)
		}
	}
	return nil
}

// targetEnv is the environment a target's Deploy gets: every declared
// option given its value or its default.
func targetEnv(t targets.Target, mode targets.Mode, given map[string]string, opTimeout time.Duration) targets.Env {
	env := targets.Env{Mode: mode, OpTimeout: opTimeout, Options: map[string]string{}}
	for _, o := range t.Options {
		v, ok := given[o.Name]
		if !ok {
			v = o.Default
		}
		env.Options[o.Name] = v
	}
	return env
}

// deployErr maps a Deploy error: an unusable option is bad input.
func deployErr(t targets.Target, err error) error {
	if errors.Is(err, targets.ErrBadOption) {
		return badInput("target %s: %s", t.Name, strings.TrimPrefix(err.Error(), targets.ErrBadOption.Error()+": "))
	}
	return fmt.Errorf("target %s: %w", t.Name, err)
}

// runTest runs one test, prints its outcome and returns its verdict as an
// error for the exit code.
func runTest(ctx context.Context, g *globals, o *testOptions) error {
	out, err := runOne(ctx, g, o)
	if out != nil {
		printOutcome(g, out)
	}
	if err != nil {
		return err
	}
	return verdictError{out.Results.Verdict}
}

// runOne validates the options, connects to the nodes, composes the test
// from the registered values and runs it. Campaigns call it once per cell.
// The outcome is nil when the run could not start (bad input, unreachable
// node).
func runOne(ctx context.Context, g *globals, o *testOptions) (*run.Outcome, error) {
	ch, err := g.registry().resolve(o.target, o.mode, o.workload)
	if err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	faults, err := parseNemeses(o.nemeses)
	if err != nil {
		return nil, err
	}
	if err := checkSupports(ch.target, faults, o.clockMode); err != nil {
		return nil, err
	}
	if o.name == "" {
		o.name = ch.target.Name + "-" + ch.mode.Name + "-" + ch.workload.Name
	}
	if !rundir.ValidName(o.name) {
		return nil, badInput("--name %q: use letters, digits, '.', '_' and '-'", o.name)
	}
	tenv := targetEnv(ch.target, ch.mode, o.targetOpts, o.opTimeout)
	// Deploy touches no node: called on no nodes, it checks the options
	// before anything is contacted.
	if _, err := ch.target.Deploy(tenv); err != nil {
		return nil, deployErr(ch.target, err)
	}
	nf, err := g.loadNodes()
	if err != nil {
		return nil, err
	}
	release, err := lockNodes(nf.Path)
	if err != nil {
		return nil, err
	}
	defer release()
	log := slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if g.insecureKeys {
		log.Warn("host keys are NOT verified (--insecure-ignore-host-keys)")
	}
	fmt.Fprintf(g.stderr, "connecting to %d nodes\n", len(nf.Nodes))
	rs, err := g.dialAll(ctx, nf, log)
	if err != nil {
		return nil, err
	}
	defer closeAll(rs)

	sudo := nf.User != "root"
	tenv.Sudo = sudo
	for _, n := range nf.Nodes {
		tenv.Nodes = append(tenv.Nodes, targets.Node{Name: n.Name, Address: n.Address, Remote: rs[n.Name]})
	}
	dep, err := ch.target.Deploy(tenv)
	if err != nil {
		return nil, deployErr(ch.target, err)
	}
	env := nemesis.Env{Nodes: names(nf), Addrs: addrs(nf), Remotes: rs, Target: dep}
	rng := rand.New(rand.NewPCG(uint64(o.seed), 0x6e656d))
	var nems []nemesis.Nemesis
	for _, f := range faults {
		n, err := newNemesis(ctx, g, o, f, env, rng)
		if err != nil {
			return nil, err
		}
		nems = append(nems, n)
	}
	var nem nemesis.Nemesis
	if len(nems) > 0 {
		nem = nemesis.Compose(nems...)
	}
	if ch.target.Supports.Primaries {
		if _, ok := dep.(targets.Primaries); !ok {
			return nil, fmt.Errorf("target %s: it declares Supports.Primaries but its deployment has no Primaries method (targets.Primaries)", ch.target.Name)
		}
	}
	plan := nemesis.PlanFor(o.seed, faults, o.interval, o.timeLimit, nemesis.PlanOptionsFor(ch.target.Supports))
	wl, err := ch.workload.Build(workloads.Env{Deployment: dep, Mode: ch.mode, Nodes: names(nf),
		Concurrency: o.concurrency, OpTimeout: o.opTimeout})
	if err != nil {
		return nil, fmt.Errorf("workload %s on target %s: %w", ch.workload.Name, ch.target.Name, err)
	}
	var final func(context.Context, run.Recorder) error
	if wl.Final != nil {
		final = func(ctx context.Context, rec run.Recorder) error { return wl.Final(ctx, rec) }
	}
	model := ch.workload.Model
	t := &run.Test{
		Config: rundir.Config{
			Name: o.name, Target: ch.target.Name, Mode: ch.mode.Name, Workload: ch.workload.Name, Nemeses: faults,
			Seed: o.seed, TimeLimit: rundir.Duration(o.timeLimit), NemesisInterval: rundir.Duration(o.interval),
			OpTimeout: rundir.Duration(o.opTimeout), Recovery: rundir.Duration(o.recovery),
			Concurrency: o.concurrency, Rate: o.rate, Model: model, Nodes: recordNodes(nf), NodesFile: nf.Path,
			Versions: versions(),
		},
		Target:    dep,
		Generator: wl.Generator,
		NewClient: wl.NewClient,
		Final:     final,
		Nemesis:   nem,
		Plan:      plan,
		Healer:    newHealer(nemesis.Env{Nodes: env.Nodes, Addrs: env.Addrs, Remotes: rs}, g.registry().daemonControls(ch.target.Daemons, sudo)),
		Checkers:  append(ch.workload.Checkers(workloads.CheckOptions{Timeout: o.checkTime, FailFast: o.failFast}), checker.Faults{Starts: faultStartsOf(faults)}),
		Report: func(ctx context.Context, dir string, h history.History, res checker.Results) error {
			return reports.Write(ctx, dir, h, res, model, o.checkTime)
		},
		Store:  g.store,
		Status: g.stderr,
	}
	fmt.Fprintf(g.stderr, "test %s: target %s --mode %s, workload %s, nemesis %s, seed %d, %s\n",
		o.name, ch.target.Name, ch.mode.Name, ch.workload.Name, strings.Join(faultsOrNone(faults), ","), o.seed, o.timeLimit)
	return run.Run(ctx, t)
}

// newNemesis builds the fault f; --clock-mode system makes the clock
// nemesis step system clocks, refused on the local cluster (no
// --nodes-file: its nodes share the host's kernel) and on nodes found to
// share a kernel.
func newNemesis(ctx context.Context, g *globals, o *testOptions, f string, env nemesis.Env, rng *rand.Rand) (nemesis.Nemesis, error) {
	if f != "clock" || o.clockMode != nemesis.ClockModeSystem {
		return nemesis.New(f, env, rng)
	}
	c, err := nemesis.NewClockWith(env, rng, nemesis.ClockOptions{Mode: nemesis.ClockModeSystem, SharedKernel: g.nodesFile == ""})
	if err != nil {
		return nil, err
	}
	return c, c.CheckKernels(ctx)
}

func faultsOrNone(f []string) []string {
	if len(f) == 0 {
		return []string{"none"}
	}
	return f
}

// printOutcome writes the verdict and the run directory to stdout, and the
// checkers' summaries to stderr.
func printOutcome(g *globals, out *run.Outcome) {
	for name, r := range out.Results.Checkers {
		if r.Summary != "" {
			fmt.Fprintf(g.stderr, "%s: %s: %s\n", name, r.Verdict, r.Summary)
		}
	}
	printModels(g.stderr, out.Results)
	if len(out.Residue) > 0 {
		fmt.Fprintf(g.stderr, "residue: %s\n", strings.Join(out.Residue, "; "))
	}
	fmt.Fprintf(g.stdout, "verdict: %s\n", out.Results.Verdict)
	fmt.Fprintf(g.stdout, "run: %s\n", out.Dir)
	report := filepath.Join(out.Dir, rundir.IndexFile)
	if _, err := os.Stat(report); err == nil {
		fmt.Fprintf(g.stdout, "report: %s\n", report)
	}
}

// faultStartsOf maps each configured nemesis to the fs that start its
// faults, for the faults checker.
func faultStartsOf(faults []string) map[string][]string {
	m := map[string][]string{}
	for _, f := range faults {
		m[f] = nemesis.StartFs(f)
	}
	return m
}
