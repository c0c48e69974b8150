package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cluster/local"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/targets"
)

// campaignOptions are the campaign command's flags; set ones override
// every cell of the spec.
type campaignOptions struct {
	spec        string
	timeLimit   time.Duration
	interval    time.Duration
	concurrency int
	rate        float64
	// targetOpts are the target options given (--node-binary, ...).
	targetOpts map[string]string
	set        map[string]bool // flags given on the command line
}

func newCampaignCmd(g *globals, runF func(context.Context, *globals, *campaignOptions) error) *cobra.Command {
	if runF == nil {
		runF = runCampaign
	}
	o := &campaignOptions{}
	optFlags := map[string]*string{}
	c := &cobra.Command{
		Use:   "campaign SPEC.yaml",
		Short: "Run a matrix of tests from a spec; write the comparison report and JUnit XML",
		Long: `Runs every cell of a campaign spec in turn (targets x modes x workloads x
nemesis sets x seeds x repetitions, plus explicit cells) on the spec's
nodes: a local cluster, brought up when missing, or a nodes file. Each
cell is a full test (heal, deploy, workload under faults, heal, check);
the campaign keeps going after a failure. It writes
store/campaigns/NAME/TIME/ with campaign.json, junit.xml (one testcase per
cell), index.html (the comparison) and runs/ (a link to each run's
directory in the store).

A cell meets its expectation when its verdict is the expected one (valid
by default; an expected-invalid cell must be caught; "any" is compared,
never judged). Exits 0 only when every cell met it; otherwise with the
worst code of the cells that missed: 255 > 254 > 1 > 2. --cluster and
--nodes-file override the spec's cluster; --time-limit, --nemesis-interval,
--concurrency and --rate override every cell. See docs/campaigns.md.`,
		Example: `  faultline campaign campaigns/known-bugs.yaml
  faultline campaign campaigns/consistency-models.yaml --cluster camp --time-limit 30s
  faultline plan campaigns/nightly.yaml          # the fault schedule of every cell, without running`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return badInput("campaign takes one spec file, got %d arguments (see faultline campaign --help)", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.spec = args[0]
			o.set = map[string]bool{}
			c.Flags().Visit(func(f *pflag.Flag) { o.set[f.Name] = true })
			c.InheritedFlags().Visit(func(f *pflag.Flag) { o.set[f.Name] = true })
			o.targetOpts = givenOptions(c, optFlags)
			return runF(c.Context(), g, o)
		},
	}
	f := c.Flags()
	f.DurationVar(&o.timeLimit, "time-limit", 0, "override every cell's time limit")
	f.DurationVar(&o.interval, "nemesis-interval", 0, "override every cell's nemesis interval")
	f.IntVar(&o.concurrency, "concurrency", 0, "override every cell's number of client workers")
	f.Float64Var(&o.rate, "rate", 0, "override every cell's target ops/s")
	addTargetOptionFlags(f, g.registry(), optFlags)
	return c
}

// resolveCell validates a cell against the registry and fills the
// target's default mode and workload.
func (r *registry) resolveCell(c campaign.Cell) (campaign.Cell, error) {
	unflag := func(err error) error {
		msg := strings.TrimPrefix(err.Error(), errBadInput.Error()+": ")
		return errors.New(strings.ReplaceAll(msg, "--", ""))
	}
	ch, err := r.resolve(c.Target, c.Mode, c.Workload)
	if err != nil {
		return c, unflag(err)
	}
	faults, err := parseNemeses(strings.Join(c.Nemeses, ","))
	if err != nil {
		return c, unflag(err)
	}
	if err := checkSupports(ch.target, faults, ""); err != nil {
		return c, unflag(err)
	}
	c.Target, c.Mode, c.Workload, c.Nemeses = ch.target.Name, ch.mode.Name, ch.workload.Name, faults
	if c.Expect == campaign.ExpectTable {
		c.Expect = tableExpect(ch.mode, faults)
	}
	return c, nil
}

// modesOf lists a target's modes, for a campaign matrix's modes: [all].
func (r *registry) modesOf(target string) ([]string, bool) {
	t, ok := r.target(target)
	if !ok {
		return nil, false
	}
	return t.Modes.Names(), true
}

// tableExpect is a cell's expectation from its mode's place in the truth
// table: a safe mode must pass; an unsafe one must be caught when faults
// are injected, and is only compared when none are (its bug may need a
// fault to show).
func tableExpect(m targets.Mode, faults []string) campaign.Expect {
	switch {
	case m.Safe():
		return campaign.ExpectValid
	case len(faults) == 0:
		return campaign.ExpectAny
	}
	return campaign.ExpectInvalid
}

// loadSpec loads a spec and applies the command-line overrides.
func loadSpec(g *globals, path string, o *campaignOptions) (*campaign.Spec, error) {
	if files := campaign.TargetFiles(path); len(files) > 0 {
		fs, err := loadTargetFiles(files)
		if err != nil {
			return nil, badInput("%s: target_files: %v", path, strings.TrimPrefix(err.Error(), errBadInput.Error()+": "))
		}
		for _, f := range fs {
			if _, known := g.registry().target(f.Name); known {
				continue // the same file given with --target-file too
			}
			if err := g.registry().addFiles(f); err != nil {
				return nil, err
			}
		}
	}
	s, err := campaign.LoadWith(path, campaign.Registry{Resolve: g.registry().resolveCell, Modes: g.registry().modesOf})
	if err != nil {
		return nil, badInput("%s", strings.TrimPrefix(err.Error(), campaign.ErrBadSpec.Error()+": "))
	}
	if o == nil {
		return s, nil
	}
	for i := range s.Cells {
		p := &s.Cells[i].Params
		if o.set["time-limit"] {
			p.TimeLimit = o.timeLimit
		}
		if o.set["nemesis-interval"] {
			p.NemesisInterval = o.interval
		}
		if o.set["concurrency"] {
			p.Concurrency = o.concurrency
		}
		if o.set["rate"] {
			p.Rate = o.rate
		}
		if err := p.Check(); err != nil {
			return nil, badInput("%v (from the command line)", err)
		}
	}
	return s, nil
}

// campaignNodes points g at the spec's nodes unless --nodes-file or
// --cluster were given, bringing a local cluster up when it is missing.
func campaignNodes(ctx context.Context, g *globals, s *campaign.Spec, set map[string]bool) error {
	switch {
	case g.nodesFile != "":
		return nil
	case s.Cluster.NodesFile != "" && !set["cluster"]:
		g.nodesFile = s.Cluster.NodesFile
		return nil
	case !set["cluster"] && s.Cluster.Name != "":
		g.clusterName = s.Cluster.Name
	}
	if local.Exists(g.clusterName) {
		return nil
	}
	subnet := s.Cluster.Subnet
	if subnet == "" && g.clusterName != "default" {
		return badInput("no local cluster %q and the spec gives no cluster.subnet to build it on (add subnet: 198.18.N.0/24, or run: faultline cluster up --name %s --subnet ...)", g.clusterName, g.clusterName)
	}
	fmt.Fprintf(g.stderr, "campaign: bringing up local cluster %q\n", g.clusterName)
	return runClusterUp(ctx, &globals{stdout: g.stderr, stderr: g.stderr}, &clusterUpOptions{name: g.clusterName, nodes: cmp.Or(s.Cluster.Nodes, 5), subnet: cmp.Or(subnet, "198.18.0.0/24")})
}

// runCampaign runs every cell and writes the campaign directory.
func runCampaign(ctx context.Context, g *globals, o *campaignOptions) error {
	s, err := loadSpec(g, o.spec, o)
	if err != nil {
		return err
	}
	// Every cell's target gets its options checked before the first runs:
	// a missing binary is refused up front, not cell after cell.
	for _, c := range s.Cells {
		ch, err := g.registry().resolve(c.Target, c.Mode, c.Workload)
		if err != nil {
			return err
		}
		if _, err := ch.target.Deploy(targetEnv(ch.target, ch.mode, o.targetOpts, c.Params.OpTimeout)); err != nil {
			return deployErr(ch.target, err)
		}
	}
	gc := *g
	if err := campaignNodes(ctx, &gc, s, o.set); err != nil {
		return err
	}
	if _, err := gc.loadNodes(); err != nil {
		return err
	}
	start := time.Now()
	dir, err := rundir.New(filepath.Join(g.store, rundir.CampaignsDir), s.Name, start)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, rundir.RunsDir), 0o755); err != nil {
		return fmt.Errorf("cli: campaign: %w", err)
	}
	rundir.LinkLatest(dir) // a missing latest link costs nothing but convenience
	sum := &campaign.Summary{Name: s.Name, Spec: o.spec, Verdict: "running", Cluster: s.Cluster, Start: start.UTC(), Cells: s.Cells}
	if gc.nodesFile != "" {
		sum.Cluster = campaign.Cluster{NodesFile: gc.nodesFile}
	} else {
		sum.Cluster.Name = gc.clusterName
	}
	save := func() {
		if err := sum.Write(dir); err != nil {
			fmt.Fprintf(g.stderr, "campaign: %v\n", err)
		}
		if err := reports.WriteCampaign(dir, sum); err != nil {
			fmt.Fprintf(g.stderr, "campaign: report: %v\n", err)
		}
	}
	save()
	fmt.Fprintf(g.stderr, "campaign %s: %d cells, directory %s\n", s.Name, len(s.Cells), dir)
	for i, c := range s.Cells {
		if ctx.Err() != nil {
			fmt.Fprintf(g.stderr, "campaign %s: interrupted; %d of %d cells not run\n", s.Name, len(s.Cells)-i, len(s.Cells))
			break
		}
		fmt.Fprintf(g.stderr, "\n=== [%d/%d] %s (expect %s)\n", i+1, len(s.Cells), c.ID, c.Expect)
		r := runCell(ctx, &gc, o, c, dir)
		mark := "met"
		if !r.Met {
			mark = "MISSED: " + r.Why
		}
		fmt.Fprintf(g.stderr, "=== [%d/%d] %s: %s, expected %s: %s\n", i+1, len(s.Cells), c.ID, orNone(string(r.Verdict)), c.Expect, mark)
		sum.Results = append(sum.Results, r)
		save()
	}
	sum.Finish(time.Now())
	save()
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		if err := reports.AppendCampaignStepSummary(p, dir, sum); err != nil {
			fmt.Fprintf(g.stderr, "campaign: %v\n", err)
		}
	}
	printCampaign(g, sum, dir)
	switch sum.ExitCode {
	case campaign.ExitValid:
		return nil
	case campaign.ExitInvalid:
		return verdictError{checker.Invalid}
	case campaign.ExitUnknown:
		return verdictError{checker.Unknown}
	case campaign.ExitBadInput:
		return badInput("campaign %s: %d of %d cells missed their expectation (a cell's input was refused; see %s)", s.Name, sum.Missed, len(s.Cells), filepath.Join(dir, rundir.IndexFile))
	}
	return fmt.Errorf("campaign %s: %d of %d cells missed their expectation, a harness error among them (see %s)", s.Name, sum.Missed, len(s.Cells), filepath.Join(dir, rundir.IndexFile))
}

// runCell runs one cell through runOne, links its run directory into the
// campaign directory and judges it.
func runCell(ctx context.Context, g *globals, o *campaignOptions, c campaign.Cell, cdir string) campaign.Result {
	to := &testOptions{
		name: c.ID, target: c.Target, mode: c.Mode, workload: c.Workload, nemeses: strings.Join(c.Nemeses, ","),
		timeLimit: c.Params.TimeLimit, interval: c.Params.NemesisInterval, opTimeout: c.Params.OpTimeout,
		recovery: c.Params.Recovery, checkTime: c.Params.CheckTimeout, concurrency: c.Params.Concurrency,
		rate: c.Params.Rate, seed: c.Seed, targetOpts: o.targetOpts,
	}
	if to.nemeses == "" {
		to.nemeses = "none"
	}
	start := time.Now()
	out, err := runOne(ctx, g, to)
	var verdict checker.Verdict
	code := exitCode(err)
	if out != nil && err == nil {
		verdict = out.Results.Verdict
		code = verdictCode(verdict)
	}
	if out != nil && out.Interrupted && err == nil {
		// A run cut short by Ctrl-C proved nothing about its cell.
		code, verdict = campaign.ExitUnknown, checker.Unknown
	}
	if err != nil {
		err = errors.New(strings.TrimPrefix(err.Error(), errBadInput.Error()+": "))
	}
	r := campaign.Judge(c, verdict, code, err)
	r.Start, r.Seconds = start.UTC(), time.Since(start).Seconds()
	if out == nil {
		return r
	}
	if len(out.Residue) > 0 && r.Error == "" {
		r.Error = "residue: " + strings.Join(out.Residue, "; ")
	}
	if rel, err := filepath.Rel(g.store, out.Dir); err == nil {
		r.Dir = filepath.ToSlash(rel)
	}
	link := filepath.Join(cdir, rundir.RunsDir, c.ID)
	if target, err := filepath.Rel(filepath.Dir(link), out.Dir); err == nil {
		if err := os.Symlink(target, link); err == nil {
			r.Run = filepath.ToSlash(filepath.Join(rundir.RunsDir, c.ID))
		} else {
			fmt.Fprintf(g.stderr, "campaign: link run %s: %v\n", out.Dir, err)
		}
	}
	if !r.Met && r.Verdict != "" {
		// Say which checker found what: the first (by name) with the verdict.
		for _, name := range sortedNames(out.Results.Checkers) {
			if cr := out.Results.Checkers[name]; cr.Verdict == r.Verdict && cr.Summary != "" {
				r.Why += " (" + name + ": " + cr.Summary + ")"
				break
			}
		}
	}
	if len(out.Results.Checkers) > 0 {
		r.Checkers = map[string]campaign.Check{}
		for name, cr := range out.Results.Checkers {
			r.Checkers[name] = campaign.Check{Verdict: cr.Verdict, Summary: cr.Summary}
		}
	}
	r.Models = out.Results.Models
	if m, err := reports.RunMetrics(out.Dir); err == nil {
		r.Metrics = m
	} else {
		fmt.Fprintf(g.stderr, "campaign: %v\n", err)
	}
	return r
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "no verdict"
	}
	return s
}

// printCampaign writes the cells' outcomes and the campaign's paths to
// stdout.
func printCampaign(g *globals, s *campaign.Summary, dir string) {
	w := g.stdout
	fmt.Fprintf(w, "%-44s %-9s %-8s %s\n", "CELL", "EXPECT", "VERDICT", "MET")
	for _, r := range s.Results {
		met := "yes"
		if !r.Met {
			met = "NO: " + r.Why
		}
		fmt.Fprintf(w, "%-44s %-9s %-8s %s\n", r.ID, r.Expect, orNone(string(r.Verdict)), met)
	}
	fmt.Fprintf(w, "verdict: %s (%d of %d cells met their expectation, exit %d)\n", s.Verdict, s.Met, len(s.Cells), s.ExitCode)
	fmt.Fprintf(w, "campaign: %s\n", dir)
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, rundir.IndexFile))
	fmt.Fprintf(w, "junit: %s\n", filepath.Join(dir, rundir.JUnitFile))
}
