package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// Ports and names on every node.
const (
	redisPort    = 6379
	sentinelPort = 26379
	// masterName is the name the Sentinels monitor the primary under.
	masterName = "faultline"
)

// Debian's binaries. redis-sentinel is redis-server under another name:
// the program decides by the name it runs as.
const (
	defaultServer   = "/usr/bin/redis-server"
	defaultSentinel = "/usr/bin/redis-sentinel"
)

// Target is Redis with Sentinel: what `faultline-redis list` shows and
// `--target redis` runs.
var Target = targets.Target{
	Name: "redis",
	Doc:  "Redis with Sentinel, third party (Debian's redis-server and redis-sentinel): asynchronous replication, failover by Sentinel",
	Modes: targets.Modes{{
		Name:         "sentinel",
		Linearizable: targets.No,
		Features:     []string{"cas"},
		Doc: "one primary and four replicas, a Sentinel on every node (quorum 3, down after 5 s), min-replicas-to-write 1; " +
			"loses acknowledged writes when a partition isolates the primary (must be caught)",
	}},
	Workloads: []string{"set", "register"},
	Supports:  targets.Supports{Kill: true, Pause: true, Primaries: true},
	Options: []targets.Option{
		{Name: "redis-server", Default: defaultServer, Doc: "redis-server binary to deploy (Debian's redis-server package)"},
		{Name: "redis-sentinel", Default: defaultSentinel, Doc: "redis-sentinel binary to deploy (Debian's redis-sentinel package)"},
	},
	Daemons: []string{"redis-server", "redis-sentinel"},
	Deploy: func(env targets.Env) (targets.Deployment, error) {
		for _, o := range []string{"redis-server", "redis-sentinel"} {
			if _, err := os.Stat(env.Option(o)); err != nil {
				return nil, fmt.Errorf("%w: --%s %s: %v (install Debian's %s: apt-get install %s)", targets.ErrBadOption, o, env.Option(o), err, o, o)
			}
		}
		if len(env.Nodes) > 0 && len(env.Nodes) < 3 {
			return nil, fmt.Errorf("%w: redis with Sentinel needs at least 3 nodes for a Sentinel quorum, got %d", targets.ErrBadOption, len(env.Nodes))
		}
		d := &deployment{env: env}
		d.server = deploy.Process{
			Daemon: deploy.Daemon{Name: "redis-server", Sudo: env.Sudo},
			Binary: env.Option("redis-server"), Nodes: env.Nodes,
			Args: d.serverArgs, Ready: d.ping(redisPort), ReadyTimeout: 20 * time.Second,
		}
		d.sentinel = deploy.Process{
			Daemon: deploy.Daemon{Name: "redis-sentinel", Sudo: env.Sudo},
			Binary: env.Option("redis-sentinel"), Nodes: env.Nodes,
			Args: d.sentinelArgs, Ready: d.ping(sentinelPort), ReadyTimeout: 20 * time.Second,
		}
		return d, nil
	},
}

// deployment is Redis and a Sentinel on every node. Kill, Start, Pause
// and Resume act on redis-server: the nemesis crashes and freezes the
// data, not the failure detector.
type deployment struct {
	env              targets.Env
	server, sentinel deploy.Process
}

var (
	_ targets.Killer      = (*deployment)(nil)
	_ targets.Pauser      = (*deployment)(nil)
	_ targets.Classifier  = (*deployment)(nil)
	_ api.SetClients      = (*deployment)(nil)
	_ api.RegisterClients = (*deployment)(nil)
	_ api.Local           = (*deployment)(nil)
)

func (d *deployment) dataDir(sub string) string {
	return path.Join(d.server.Daemon.DataDir(), sub)
}

func (d *deployment) addr(n targets.Node, port int) string {
	return net.JoinHostPort(n.Address, strconv.Itoa(port))
}

// primary is the node the Sentinels start out monitoring.
func (d *deployment) primary() targets.Node { return d.env.Nodes[0] }

// serverArgs is redis-server's command line on n: every setting on it, so
// a restart after a kill runs the same server on the same data. The
// process keeps its command line as its title, so that faultline's
// pidfile check recognises it.
func (d *deployment) serverArgs(n targets.Node) []string {
	args := []string{
		"--port", strconv.Itoa(redisPort), "--bind", n.Address, "--protected-mode", "no",
		"--dir", d.dataDir("redis"), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
		"--daemonize", "no", "--set-proc-title", "no",
		"--replica-announce-ip", n.Address,
		// Redis's own advice against split brain: refuse writes unless a
		// replica is connected and at most 10 s behind.
		"--min-replicas-to-write", "1", "--min-replicas-max-lag", "10",
	}
	if n.Name != d.primary().Name {
		args = append(args, "--replicaof", d.primary().Address, strconv.Itoa(redisPort))
	}
	return args
}

func (d *deployment) sentinelConf(n targets.Node) string {
	p := d.primary()
	return strings.Join([]string{
		"port " + strconv.Itoa(sentinelPort),
		"bind " + n.Address,
		"protected-mode no",
		"daemonize no",
		"set-proc-title no",
		"dir " + d.dataDir("sentinel"),
		"sentinel resolve-hostnames no",
		"sentinel announce-ip " + n.Address,
		fmt.Sprintf("sentinel monitor %s %s %d %d", masterName, p.Address, redisPort, len(d.env.Nodes)/2+1),
		"sentinel down-after-milliseconds " + masterName + " 5000",
		"sentinel failover-timeout " + masterName + " 10000",
		"sentinel parallel-syncs " + masterName + " 1",
	}, "\n") + "\n"
}

func (d *deployment) sentinelConfPath() string { return d.dataDir("sentinel/sentinel.conf") }

// sentinelArgs: the Sentinel rewrites its own config file as it learns the
// topology, so a restarted Sentinel resumes from what it knew.
func (d *deployment) sentinelArgs(targets.Node) []string { return []string{d.sentinelConfPath()} }

// ping probes a server with PING.
func (d *deployment) ping(port int) func(ctx context.Context, n targets.Node) error {
	return func(ctx context.Context, n targets.Node) error {
		return pingOnce(ctx, d.addr(n, port))
	}
}

// Setup installs both programs on every node from scratch, writes each
// Sentinel's config, starts the servers, then the Sentinels.
func (d *deployment) Setup(ctx context.Context) error {
	err := d.server.Each(func(n targets.Node) error {
		for _, p := range []deploy.Process{d.sentinel, d.server} {
			if err := p.Daemon.Stop(ctx, n.Remote, 2*time.Second); err != nil {
				return err
			}
		}
		// Both programs keep their data under the node's data directory;
		// each has its own log and pidfile.
		for _, p := range []deploy.Process{d.server, d.sentinel} {
			if err := p.Daemon.Wipe(ctx, n.Remote); err != nil {
				return err
			}
		}
		for _, p := range []deploy.Process{d.server, d.sentinel} {
			if err := p.Daemon.Install(ctx, n.Remote, p.Binary); err != nil {
				return err
			}
		}
		if _, err := n.Remote.Run(ctx, control.Cmd{Sudo: d.env.Sudo, Argv: []string{"mkdir", "-p", d.dataDir("redis"), d.dataDir("sentinel")}}); err != nil {
			return fmt.Errorf("redis: %s: make data directories: %w", n.Name, err)
		}
		if _, err := n.Remote.Run(ctx, control.Cmd{Sudo: d.env.Sudo, Stdin: strings.NewReader(d.sentinelConf(n)),
			Argv: []string{"sh", "-c", `cat >"$1"`, "write", d.sentinelConfPath()}}); err != nil {
			return fmt.Errorf("redis: %s: write %s: %w", n.Name, d.sentinelConfPath(), err)
		}
		return d.server.Start(ctx, n.Name)
	})
	if err != nil {
		return err
	}
	if err := d.server.Each(func(n targets.Node) error { return d.server.WaitReady(ctx, n.Name) }); err != nil {
		return err
	}
	if err := d.server.Each(func(n targets.Node) error { return d.sentinel.Start(ctx, n.Name) }); err != nil {
		return err
	}
	if err := d.server.Each(func(n targets.Node) error { return d.sentinel.WaitReady(ctx, n.Name) }); err != nil {
		return err
	}
	return d.waitReplicas(ctx)
}

// Teardown stops the Sentinels, then the servers.
func (d *deployment) Teardown(ctx context.Context) error {
	return errors.Join(d.sentinel.Teardown(ctx), d.server.Teardown(ctx))
}

// CollectLogs fetches both programs' logs of every node.
func (d *deployment) CollectLogs(ctx context.Context, dir string) error {
	return errors.Join(d.server.CollectLogs(ctx, dir), d.sentinel.CollectLogs(ctx, dir))
}

// Residue lists a stopped program on any node.
func (d *deployment) Residue(ctx context.Context) ([]string, error) {
	a, errA := d.server.Residue(ctx)
	b, errB := d.sentinel.Residue(ctx)
	return append(a, b...), errors.Join(errA, errB)
}

// Kill kills redis-server on node with SIGKILL.
func (d *deployment) Kill(ctx context.Context, node string) error { return d.server.Kill(ctx, node) }

// Start restarts redis-server on node on its data.
func (d *deployment) Start(ctx context.Context, node string) error { return d.server.Start(ctx, node) }

// Pause freezes redis-server on node.
func (d *deployment) Pause(ctx context.Context, node string) error { return d.server.Pause(ctx, node) }

// Resume thaws it.
func (d *deployment) Resume(ctx context.Context, node string) error {
	return d.server.Resume(ctx, node)
}

func (d *deployment) node(name string) (targets.Node, error) { return d.server.Node(name) }
