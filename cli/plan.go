package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis"
)

// planOptions are the plan command's flags.
type planOptions struct {
	spec      string
	target    string
	seed      int64
	nemeses   string
	timeLimit time.Duration
	interval  time.Duration
	set       map[string]bool
}

func newPlanCmd(g *globals, runF func(context.Context, *globals, *planOptions) error) *cobra.Command {
	if runF == nil {
		runF = runPlan
	}
	o := &planOptions{}
	c := &cobra.Command{
		Use:   "plan [SPEC.yaml]",
		Short: "Print the fault schedule a seed produces, without running anything",
		Long: `Prints the nemesis schedule of a test (from --seed, --nemesis, --time-limit
and --nemesis-interval, the same flags as faultline test) or of every cell
of a campaign spec: when each fault starts and stops and what it is (the
partition kind, the subset of nodes, the clock or netem shape). The
schedule is a pure function of these settings: the same seed always gives
the same schedule, and it is the one a run with that seed follows. The
target matters only when it says which nodes lead (Supports.Primaries):
its partitions may then isolate the primaries. Nothing is contacted.`,
		Example: `  faultline plan --seed 7 --nemesis partition,kill --time-limit 60s --nemesis-interval 10s
  faultline plan campaigns/known-bugs.yaml
  faultline plan campaigns/nightly.yaml --time-limit 30s`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return badInput("plan takes at most one spec file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.spec = args[0]
			}
			o.set = map[string]bool{}
			c.Flags().Visit(func(f *pflag.Flag) { o.set[f.Name] = true })
			return runF(c.Context(), g, o)
		},
	}
	f := c.Flags()
	f.Int64Var(&o.seed, "seed", 0, "seed of the fault schedule (a spec's cells keep their own unless given)")
	f.StringVar(&o.target, "target", "", "the target the schedule is for (default: faultline test's default target)")
	f.StringVar(&o.nemeses, "nemesis", "partition,kill", "comma-separated faults ("+strings.Join(nemesis.Names(), ", ")+") or none")
	f.DurationVar(&o.timeLimit, "time-limit", 60*time.Second, "how long the workload runs")
	f.DurationVar(&o.interval, "nemesis-interval", 10*time.Second, "time between fault changes")
	return c
}

func runPlan(ctx context.Context, g *globals, o *planOptions) error {
	if o.spec == "" {
		faults, err := parseNemeses(o.nemeses)
		if err != nil {
			return err
		}
		if o.timeLimit <= 0 || o.interval <= 0 {
			return badInput("--time-limit and --nemesis-interval must be positive")
		}
		reg := g.registry()
		name := o.target
		if name == "" {
			name = reg.defaultTarget()
		}
		t, ok := reg.target(name)
		if !ok {
			return badInput("--target %q is unknown (known: %s)", name, strings.Join(reg.targetNames(), ", "))
		}
		fmt.Fprintf(g.stdout, "# target %s, seed %d, nemesis %s, time limit %s, interval %s\n", t.Name, o.seed, strings.Join(faultsOrNone(faults), ","), o.timeLimit, o.interval)
		fmt.Fprint(g.stdout, nemesis.FormatPlan(nemesis.PlanFor(o.seed, faults, o.interval, o.timeLimit, nemesis.PlanOptionsFor(t.Supports))))
		return nil
	}
	if o.set["nemesis"] || o.set["target"] {
		return badInput("--nemesis and --target do not apply to a spec: each cell names its own")
	}
	co := &campaignOptions{timeLimit: o.timeLimit, interval: o.interval, set: map[string]bool{
		"time-limit": o.set["time-limit"], "nemesis-interval": o.set["nemesis-interval"]}}
	s, err := loadSpec(g, o.spec, co)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "# campaign %s: %d cells\n", s.Name, len(s.Cells))
	for _, c := range s.Cells {
		seed := c.Seed
		if o.set["seed"] {
			seed = o.seed
		}
		p := c.Params
		fmt.Fprintf(g.stdout, "\n## %s (line %d): target %s --mode %s, workload %s, nemesis %s, seed %d, time limit %s, interval %s, expect %s\n",
			c.ID, c.Line, c.Target, c.Mode, c.Workload, c.NemesisLabel(), seed, p.TimeLimit, p.NemesisInterval, c.Expect)
		var po nemesis.PlanOptions
		if t, ok := g.registry().target(c.Target); ok {
			po = nemesis.PlanOptionsFor(t.Supports)
		}
		fmt.Fprint(g.stdout, nemesis.FormatPlan(nemesis.PlanFor(seed, c.Nemeses, p.NemesisInterval, p.TimeLimit, po)))
	}
	return nil
}
