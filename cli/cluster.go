package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/cluster/local"
	"github.com/faultline/faultline/nemesis"
)

type clusterUpOptions struct {
	name   string
	nodes  int
	subnet string
}

func newClusterCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "cluster",
		Short: "Manage the local namespace cluster, and heal any cluster",
		Example: `  faultline cluster up                 # 5 nodes n1..n5 on 198.18.0.0/24
  faultline cluster status
  faultline cluster heal               # remove every fault faultline could have left
  faultline cluster down`,
		Args: unknownCommand,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	c.AddCommand(newClusterUpCmd(g), newClusterDownCmd(g), newClusterStatusCmd(g), newClusterHealCmd(g))
	return c
}

func newClusterUpCmd(g *globals) *cobra.Command {
	o := &clusterUpOptions{}
	c := &cobra.Command{
		Use:   "up",
		Short: "Build (or repair) a local cluster of Linux namespace nodes, each with its own sshd",
		Long: `Builds N nodes on this machine (as root): a bridge, a veth per node, and per
node its own network, mount, PID and UTS namespaces running its own sshd.
Writes the nodes file, the client key and known_hosts in the cluster's state
directory. Idempotent: on a half-built or stale cluster it repairs it.`,
		Example: `  faultline cluster up
  faultline cluster up --nodes 3 --name small --subnet 198.18.5.0/24`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.name = g.clusterName
			return runClusterUp(c.Context(), g, o)
		},
	}
	c.Flags().IntVar(&o.nodes, "nodes", 5, "number of nodes (n1..nN)")
	c.Flags().StringVar(&o.subnet, "subnet", "198.18.0.0/24", "IPv4 /24 for the cluster: bridge at .1, node i at .10+i")
	c.Flags().StringVar(&g.clusterName, "name", "default", "cluster name (several clusters can coexist)")
	return c
}

func runClusterUp(ctx context.Context, g *globals, o *clusterUpOptions) error {
	if o.nodes < 1 || o.nodes > 200 {
		return badInput("--nodes %d: must be between 1 and 200", o.nodes)
	}
	start := time.Now()
	nf, err := local.Up(ctx, local.Options{Name: o.name, Nodes: o.nodes, Subnet: o.subnet})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "cluster %q up: %d nodes in %s\n", o.name, len(nf.Nodes), time.Since(start).Round(time.Millisecond))
	for _, n := range nf.Nodes {
		fmt.Fprintf(g.stdout, "%s\t%s\n", n.Name, n.Address)
	}
	fmt.Fprintf(g.stderr, "nodes file: %s\n", nf.Path)
	return nil
}

func newClusterDownCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:     "down",
		Short:   "Tear down a local cluster: processes, namespaces, veths, bridge, state",
		Example: "  faultline cluster down\n  faultline cluster down --name small",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := local.Down(c.Context(), g.clusterName); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "cluster %q down\n", g.clusterName)
			return nil
		},
	}
	c.Flags().StringVar(&g.clusterName, "name", "default", "cluster name")
	return c
}

func newClusterStatusCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:     "status",
		Short:   "Show each node of a local cluster and whether it answers over SSH",
		Example: "  faultline cluster status",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			st, err := local.Status(c.Context(), g.clusterName)
			if err != nil {
				return err
			}
			if len(st) == 0 {
				return badInput("no local cluster %q (run: faultline cluster up --name %s)", g.clusterName, g.clusterName)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NODE\tADDRESS\tSSH\tDETAIL")
			bad := 0
			for _, s := range st {
				state := "ok"
				if !s.Healthy() {
					state = "DOWN"
					bad++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Address, state, s.Error)
			}
			tw.Flush()
			if bad > 0 {
				return fmt.Errorf("cluster %q: %d of %d nodes unreachable (repair with: faultline cluster up --name %s)", g.clusterName, bad, len(st), g.clusterName)
			}
			return nil
		},
	}
	c.Flags().StringVar(&g.clusterName, "name", "default", "cluster name")
	return c
}

func newClusterHealCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "heal",
		Short: "Remove every fault faultline could have left on the nodes",
		Long: `Removes every fault faultline could have left on every node of the local
cluster or of --nodes-file: its firewall chain, clock offsets, stopped
(paused) processes, and faultline-node daemons a killed controller left
running (found by pidfile, checked to be ours before signalling). Safe on
a clean cluster; run by every test as a preflight.`,
		Example: "  faultline cluster heal\n  faultline cluster heal --nodes-file hosts.yaml",
		Args:    noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runClusterHeal(c.Context(), g)
		},
	}
}

func runClusterHeal(ctx context.Context, g *globals) error {
	nf, err := g.loadNodes()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rs, err := g.dialAll(ctx, nf, log)
	if err != nil {
		return err
	}
	defer closeAll(rs)
	h := newHealer(nemesis.Env{Nodes: names(nf), Addrs: addrs(nf), Remotes: rs}, g.registry().daemonControls(g.registry().daemons(), nf.User != "root"))
	if err := h.Preflight(ctx); err != nil {
		return err
	}
	res, err := h.Residue(ctx)
	if err != nil {
		return err
	}
	if len(res) > 0 {
		return fmt.Errorf("cluster heal: residue remains: %v", res)
	}
	fmt.Fprintf(g.stderr, "healed %d nodes: no faultline rules, no clock offsets, no stopped or leftover target processes (%s)\n", len(nf.Nodes), strings.Join(g.registry().daemons(), ", "))
	return nil
}
