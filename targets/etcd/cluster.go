package etcd

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/targets/deploy"
)

// Default ports of every member.
const (
	DefaultClientPort = 2379
	DefaultPeerPort   = 2380
)

// Cluster is etcd on every node: one member per node, a static initial
// cluster of all of them. Its process control is a deploy.Process (ready
// when /health reports a cluster with a leader); it implements run.Target
// (Setup, Teardown, CollectLogs, Residue) and nemesis.Process and Pauser
// (Kill, Start, Pause, Resume). It deliberately does not implement
// nemesis.Clocker (ReadClock): etcd reads the kernel clock, which it
// shares with the host on a namespace node, so the clock nemesis cannot
// skew it.
type Cluster struct {
	// Binary is the etcd binary on the controller, uploaded to every node
	// (Debian's etcd-server installs /usr/bin/etcd).
	Binary string
	// Daemon manages the member's process; Name should be "etcd".
	Daemon deploy.Daemon
	Nodes  []deploy.Node

	ClientPort, PeerPort int // defaults 2379 and 2380

	// HeartbeatInterval and ElectionTimeout are etcd's raft timings
	// (defaults 100ms and 1s, etcd's own).
	HeartbeatInterval, ElectionTimeout time.Duration

	// HealthTimeout bounds how long Setup waits for the cluster (default 30s).
	HealthTimeout time.Duration
}

// process is the members' process control, as the fields describe it now.
func (c *Cluster) process() deploy.Process {
	limit := c.HealthTimeout
	if limit == 0 {
		limit = 30 * time.Second
	}
	return deploy.Process{Daemon: c.Daemon, Binary: c.Binary, Nodes: c.Nodes,
		Args: c.Args, Ready: c.healthy, ReadyTimeout: limit, ReadyPoll: 200 * time.Millisecond}
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func httpURL(addr string, port int) string {
	return "http://" + net.JoinHostPort(addr, strconv.Itoa(port))
}

// ClientURL is the member's client URL on node ("" for an unknown node).
func (c *Cluster) ClientURL(node string) string {
	n, err := c.process().Node(node)
	if err != nil {
		return ""
	}
	return httpURL(n.Address, orDefault(c.ClientPort, DefaultClientPort))
}

// DataDir is the member's data directory on every node.
func (c *Cluster) DataDir() string { return path.Join(c.Daemon.DataDir(), "etcd") }

// Args is the member's command line on node n. A restarted member finds
// its data directory and ignores the --initial-* flags.
func (c *Cluster) Args(n deploy.Node) []string {
	peerPort := orDefault(c.PeerPort, DefaultPeerPort)
	peers := make([]string, len(c.Nodes))
	for i, p := range c.Nodes {
		peers[i] = p.Name + "=" + httpURL(p.Address, peerPort)
	}
	client := httpURL(n.Address, orDefault(c.ClientPort, DefaultClientPort))
	peer := httpURL(n.Address, peerPort)
	args := []string{
		"--name", n.Name,
		"--data-dir", c.DataDir(),
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", strings.Join(peers, ","),
		"--initial-cluster-state", "new",
		"--initial-cluster-token", "faultline",
		"--logger", "zap",
		"--log-outputs", "stderr",
	}
	if c.HeartbeatInterval > 0 {
		args = append(args, "--heartbeat-interval", strconv.FormatInt(c.HeartbeatInterval.Milliseconds(), 10))
	}
	if c.ElectionTimeout > 0 {
		args = append(args, "--election-timeout", strconv.FormatInt(c.ElectionTimeout.Milliseconds(), 10))
	}
	return args
}

// healthy is one probe of the member's /health: nil when it reports a
// cluster with a leader.
func (c *Cluster) healthy(ctx context.Context, n deploy.Node) error {
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	return Healthy(ctx, hc, c.ClientURL(n.Name))
}

// Setup stops any old member, wipes its data, uploads the binary, starts a
// member on every node and waits until each reports a healthy cluster. A
// member that does not come up is named with the tail of its log.
func (c *Cluster) Setup(ctx context.Context) error {
	if _, err := os.Stat(c.Binary); err != nil {
		return fmt.Errorf("etcd: binary %s: %w (install Debian's etcd-server: apt-get install etcd-server, or pass --etcd-binary)", c.Binary, err)
	}
	return c.process().Setup(ctx)
}

// WaitHealthy polls the member's /health until it reports a cluster with a
// leader.
func (c *Cluster) WaitHealthy(ctx context.Context, node string) error {
	return c.process().WaitReady(ctx, node)
}

// Kill kills the member on node with SIGKILL.
func (c *Cluster) Kill(ctx context.Context, node string) error {
	return c.process().Kill(ctx, node)
}

// Start starts the member on node if it is not running, keeping its data.
func (c *Cluster) Start(ctx context.Context, node string) error {
	return c.process().Start(ctx, node)
}

// Pause sends SIGSTOP to the member on node.
func (c *Cluster) Pause(ctx context.Context, node string) error {
	return c.process().Pause(ctx, node)
}

// Resume sends SIGCONT to the member on node.
func (c *Cluster) Resume(ctx context.Context, node string) error {
	return c.process().Resume(ctx, node)
}

// Teardown stops every member (resuming it first); data stays until the
// next Setup.
func (c *Cluster) Teardown(ctx context.Context) error {
	return c.process().Teardown(ctx)
}

// Residue lists members left in the stopped state.
func (c *Cluster) Residue(ctx context.Context) ([]string, error) {
	return c.process().Residue(ctx)
}

// CollectLogs downloads each member's log into dir/<node>/etcd.log. The
// data directory is not fetched: its preallocated WAL files are 64 MB each.
func (c *Cluster) CollectLogs(ctx context.Context, dir string) error {
	return c.process().CollectLogs(ctx, dir)
}
