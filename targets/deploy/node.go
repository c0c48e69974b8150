package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/targets"
)

// Node is one node as the deployer sees it: the deployment's own node
// (targets.Node), so a targets.Env's nodes are used as they are.
type Node = targets.Node

// NodeDaemon deploys faultline-node, the daemon that serves our own targets
// (register, and later kv and queue), on every node and controls it there.
// Its process control is a Process (ready when /health answers 200); it
// implements targets.Killer and targets.Pauser for the kill and pause
// nemeses.
type NodeDaemon struct {
	Role   string // register | kv | queue
	Mode   string // the target's --mode
	Port   int    // HTTP port on every node, 7000 by default
	Binary string // local path of the static faultline-node binary
	Daemon Daemon
	Nodes  []Node

	// OpTimeout, when > 0, is passed as the daemon's --op-timeout: how long
	// a node works on one client op before it answers a definite or
	// indeterminate failure. Keep it below the client's own timeout, so
	// that the node's answer arrives before the client gives up.
	OpTimeout time.Duration

	// HealthTimeout bounds how long Setup waits for every node to answer.
	HealthTimeout time.Duration
}

// process is the daemon on every node, as the fields describe it now.
func (t *NodeDaemon) process() Process {
	return Process{Daemon: t.Daemon, Binary: t.Binary, Nodes: t.Nodes,
		Args: t.args, Ready: t.healthy, ReadyTimeout: t.HealthTimeout}
}

func (t *NodeDaemon) port() int {
	if t.Port == 0 {
		return 7000
	}
	return t.Port
}

// URL is the base URL of the daemon's HTTP API on a node.
func (t *NodeDaemon) URL(node string) string {
	n, err := t.process().Node(node)
	if err != nil {
		return ""
	}
	return "http://" + net.JoinHostPort(n.Address, strconv.Itoa(t.port()))
}

// args is the daemon's command line on one node.
func (t *NodeDaemon) args(n Node) []string {
	peers := make([]string, len(t.Nodes))
	for i, p := range t.Nodes {
		peers[i] = p.Name + "=" + net.JoinHostPort(p.Address, strconv.Itoa(t.port()))
	}
	args := []string{
		"--role", t.Role,
		"--mode", t.Mode,
		"--id", n.Name,
		"--listen", net.JoinHostPort("0.0.0.0", strconv.Itoa(t.port())),
		"--peers", strings.Join(peers, ","),
		"--data", t.Daemon.DataDir(),
	}
	if t.OpTimeout > 0 {
		args = append(args, "--op-timeout", t.OpTimeout.String())
	}
	return args
}

// healthy is one probe of the node's /health: nil when it answers 200
// (within half a second, which also bounds it without ctx).
func (t *NodeDaemon) healthy(_ context.Context, n Node) error {
	client := &http.Client{Timeout: 500 * time.Millisecond}
	resp, err := client.Get(t.URL(n.Name) + "/health")
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// Setup stops any old daemon, wipes its data, installs the binary, starts
// the daemon on every node and waits until each answers /health. A node
// whose daemon does not come up is named with the tail of its log.
func (t *NodeDaemon) Setup(ctx context.Context) error {
	if _, err := os.Stat(t.Binary); err != nil {
		return fmt.Errorf("deploy: node binary %s: %w (build it with make build, or pass --node-binary)", t.Binary, err)
	}
	return t.process().Setup(ctx)
}

// WaitHealthy polls the node's /health until it answers 200.
func (t *NodeDaemon) WaitHealthy(ctx context.Context, node string) error {
	return t.process().WaitReady(ctx, node)
}

// Kill kills the daemon on node with SIGKILL.
func (t *NodeDaemon) Kill(ctx context.Context, node string) error {
	return t.process().Kill(ctx, node)
}

// Start starts the daemon on node if it is not running, keeping its data.
func (t *NodeDaemon) Start(ctx context.Context, node string) error {
	return t.process().Start(ctx, node)
}

// Pause sends SIGSTOP to the daemon on node.
func (t *NodeDaemon) Pause(ctx context.Context, node string) error {
	return t.process().Pause(ctx, node)
}

// Resume sends SIGCONT to the daemon on node.
func (t *NodeDaemon) Resume(ctx context.Context, node string) error {
	return t.process().Resume(ctx, node)
}

// Teardown stops the daemon on every node (resuming it first).
func (t *NodeDaemon) Teardown(ctx context.Context) error {
	return t.process().Teardown(ctx)
}

// Residue lists what the daemon left that a clean node must not have: a
// process in the stopped state.
func (t *NodeDaemon) Residue(ctx context.Context) ([]string, error) {
	return t.process().Residue(ctx)
}

// CollectLogs downloads each node's daemon log into dir/<node>/.
func (t *NodeDaemon) CollectLogs(ctx context.Context, dir string) error {
	return t.process().CollectLogs(ctx, dir)
}

// ReadClock returns the node's clock as its daemon reports it (GET /clock):
// the system time plus the offset the clock nemesis set. The clock nemesis
// uses it to measure the skew it applied.
func (t *NodeDaemon) ReadClock(ctx context.Context, node string) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL(node)+"/clock", nil)
	if err != nil {
		return time.Time{}, err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("deploy: %s: read clock: %w", node, err)
	}
	defer resp.Body.Close()
	var body struct {
		TimeNS int64 `json:"time_ns"`
	}
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("deploy: %s: read clock: %s", node, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.TimeNS == 0 {
		return time.Time{}, fmt.Errorf("deploy: %s: read clock: bad reply (%v)", node, err)
	}
	return time.Unix(0, body.TimeNS), nil
}

// NodeStats reads GET /stats from every node's daemon (the roles that
// serve it: queue) and returns its numeric figures per node; nodes whose
// daemon has no /stats, or does not answer, are left out.
func (t *NodeDaemon) NodeStats(ctx context.Context) (map[string]map[string]float64, error) {
	var mu sync.Mutex
	out := map[string]map[string]float64{}
	client := &http.Client{Timeout: 2 * time.Second}
	t.process().Each(func(n Node) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL(n.Name)+"/stats", nil)
		if err != nil {
			return nil
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		var body map[string]any
		if json.NewDecoder(resp.Body).Decode(&body) != nil {
			return nil
		}
		figs := map[string]float64{}
		for k, v := range body {
			if f, ok := v.(float64); ok {
				figs[k] = f
			}
		}
		mu.Lock()
		out[n.Name] = figs
		mu.Unlock()
		return nil
	})
	return out, nil
}
