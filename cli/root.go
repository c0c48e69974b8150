package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/builtin"
	"github.com/faultline/faultline/workloads"
)

// globals are the flags every command shares.
type globals struct {
	store        string
	nodesFile    string
	clusterName  string
	insecureKeys bool
	stdout       io.Writer
	stderr       io.Writer
	// reg is the registry of targets and workloads; nil means the
	// built-ins alone.
	reg *registry
}

// registry is the binary's registry of targets and workloads.
func (g *globals) registry() *registry {
	if g.reg == nil {
		g.reg = defaultRegistry()
	}
	return g.reg
}

// Main runs faultline's own binary, the built-in targets and workloads
// alone, and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return Program{}.Main(args, stdout, stderr)
}

// Program is a faultline binary: every command (test, campaign, analyze,
// plan, serve, list, cluster, version) over the built-in targets and
// workloads and the ones it adds. A user's own binary is a Program with
// its targets in it; they are listed, validated, tested, compared in
// campaigns and re-checked exactly as the built-in ones.
type Program struct {
	// Targets are added after the built-in ones; a name may not repeat.
	Targets []targets.Target
	// Workloads are added after the built-in ones (register, kv, set,
	// queue); a target may serve any of them.
	Workloads []workloads.Workload
}

// Main runs the program's CLI on args and returns the process exit code
// (0 valid, 1 invalid, 2 unknown, 254 bad input, 255 harness error). A
// malformed target or workload is the binary's own bug: its one-line
// error, and 255.
func (p Program) Main(args []string, stdout, stderr io.Writer) int {
	reg, err := newRegistry(append(slices.Clone(builtin.Targets), p.Targets...), append(slices.Clone(builtinWorkloads), p.Workloads...))
	if err != nil {
		fmt.Fprintf(stderr, "faultline: %v\n", err)
		return exitcode.Harness
	}
	if files := targetFileArgs(args); len(files) > 0 {
		fs, err := loadTargetFiles(files)
		if err == nil {
			err = reg.addFiles(fs...)
		}
		if err != nil {
			report(stderr, err)
			return exitCode(err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := &globals{stdout: stdout, stderr: stderr, reg: reg}
	root := newRootCmd(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err = root.ExecuteContext(ctx)
	report(stderr, err)
	return exitCode(err)
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "faultline",
		Short: "A Jepsen-style test harness for distributed systems",
		Long: `faultline deploys a system under test to nodes over SSH, runs concurrent
client workloads while a nemesis injects partitions and crashes, records
every operation, checks the history (linearizability with porcupine) and
writes a report.

Exit codes: 0 valid, 1 invalid, 2 unknown, 254 bad input, 255 harness error.`,
		Example: `  faultline cluster up
  faultline test --target register --workload register --nemesis partition,kill --time-limit 60s
  faultline analyze store/latest`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE:          func(c *cobra.Command, args []string) error { return c.Help() },
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInput("%s (see %s --help)", err, c.CommandPath())
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.store, "store", "store", "directory that holds the runs")
	pf.StringVar(&g.nodesFile, "nodes-file", "", "YAML file naming the nodes (default: the local cluster's)")
	pf.StringVar(&g.clusterName, "cluster", "default", "local cluster to use when no --nodes-file is given")
	pf.BoolVar(&g.insecureKeys, "insecure-ignore-host-keys", false, "do not verify SSH host keys (logged; never the default)")
	pf.StringArray(targetFileFlag, nil, "a declarative target (YAML: install, start, readiness, logs, modes, client executable); repeatable; the first is the default --target (see docs/own-system.md)")
	root.AddCommand(newClusterCmd(g), newTestCmd(g, nil), newAnalyzeCmd(g), newListCmd(g), newVersionCmd(g), newServeCmd(g),
		newCampaignCmd(g, nil), newPlanCmd(g, nil))
	return root
}

// unknownCommand refuses an unknown subcommand of a command group as bad
// input. Without it cobra's own "unknown command" error exits 255, and a
// group that is not the root prints its help and exits 0.
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return badInput("%s (see %s --help)", msg, c.CommandPath())
}

// noArgs is cobra.NoArgs as a bad-input error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return badInput("%s takes no arguments, got %q (see --help)", c.CommandPath(), args[0])
	}
	return nil
}
