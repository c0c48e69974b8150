package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
// It implements nemesis.Process (Kill, Start) for the kill nemesis.
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

	byName map[string]Node
	once   sync.Once
}

func (t *NodeDaemon) node(name string) (Node, error) {
	t.once.Do(func() {
		t.byName = map[string]Node{}
		for _, n := range t.Nodes {
			t.byName[n.Name] = n
		}
	})
	n, ok := t.byName[name]
	if !ok {
		return Node{}, fmt.Errorf("deploy: no node %q", name)
	}
	return n, nil
}

func (t *NodeDaemon) port() int {
	if t.Port == 0 {
		return 7000
	}
	return t.Port
}

// URL is the base URL of the daemon's HTTP API on a node.
func (t *NodeDaemon) URL(node string) string {
	n, err := t.node(node)
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

// each runs f on every node in parallel and joins the errors.
func (t *NodeDaemon) each(f func(Node) error) error {
	errs := make([]error, len(t.Nodes))
	var wg sync.WaitGroup
	for i, n := range t.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Setup stops any old daemon, wipes its data, installs the binary, starts
// the daemon on every node and waits until each answers /health. A node
// whose daemon does not come up is named with the tail of its log.
func (t *NodeDaemon) Setup(ctx context.Context) error {
	if _, err := os.Stat(t.Binary); err != nil {
		return fmt.Errorf("deploy: node binary %s: %w (build it with make build, or pass --node-binary)", t.Binary, err)
	}
	err := t.each(func(n Node) error {
		if err := t.Daemon.Stop(ctx, n.Remote, 2*time.Second); err != nil {
			return err
		}
		if err := t.Daemon.Wipe(ctx, n.Remote); err != nil {
			return err
		}
		if err := t.Daemon.Install(ctx, n.Remote, t.Binary); err != nil {
			return err
		}
		return t.Daemon.Start(ctx, n.Remote, t.args(n)...)
	})
	if err != nil {
		return err
	}
	return t.each(func(n Node) error { return t.WaitHealthy(ctx, n.Name) })
}

// WaitHealthy polls the node's /health until it answers 200.
func (t *NodeDaemon) WaitHealthy(ctx context.Context, node string) error {
	n, err := t.node(node)
	if err != nil {
		return err
	}
	limit := t.HealthTimeout
	if limit == 0 {
		limit = 15 * time.Second
	}
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 500 * time.Millisecond}
	var last error
	for time.Now().Before(deadline) {
		resp, err := client.Get(t.URL(node) + "/health")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	tail := t.Daemon.LogTail(ctx, n.Remote, 15)
	return fmt.Errorf("deploy: %s: %s did not come up within %s (%v); log tail:\n%s", node, t.Daemon.Name, limit, last, tail)
}

// Kill kills the daemon on node with SIGKILL.
func (t *NodeDaemon) Kill(ctx context.Context, node string) error {
	n, err := t.node(node)
	if err != nil {
		return err
	}
	return t.Daemon.Kill(ctx, n.Remote)
}

// Start starts the daemon on node if it is not running, keeping its data.
func (t *NodeDaemon) Start(ctx context.Context, node string) error {
	n, err := t.node(node)
	if err != nil {
		return err
	}
	return t.Daemon.Start(ctx, n.Remote, t.args(n)...)
}

// Pause and Resume send SIGSTOP and SIGCONT.
func (t *NodeDaemon) Pause(ctx context.Context, node string) error {
	n, err := t.node(node)
	if err != nil {
		return err
	}
	_, err = t.Daemon.Signal(ctx, n.Remote, "STOP")
	return err
}

// Resume sends SIGCONT to the daemon on node.
func (t *NodeDaemon) Resume(ctx context.Context, node string) error {
	n, err := t.node(node)
	if err != nil {
		return err
	}
	_, err = t.Daemon.Signal(ctx, n.Remote, "CONT")
	return err
}

// Teardown stops the daemon on every node (resuming it first).
func (t *NodeDaemon) Teardown(ctx context.Context) error {
	return t.each(func(n Node) error { return t.Daemon.Stop(ctx, n.Remote, 3*time.Second) })
}

// Residue lists what the daemon left that a clean node must not have: a
// process in the stopped state.
func (t *NodeDaemon) Residue(ctx context.Context) ([]string, error) {
	var mu sync.Mutex
	var res []string
	err := t.each(func(n Node) error {
		stopped, err := t.Daemon.Stopped(ctx, n.Remote)
		if stopped {
			mu.Lock()
			res = append(res, n.Name+": "+t.Daemon.Name+" is stopped (SIGSTOP)")
			mu.Unlock()
		}
		return err
	})
	return res, err
}

// CollectLogs downloads each node's daemon log into dir/<node>/.
func (t *NodeDaemon) CollectLogs(ctx context.Context, dir string) error {
	return t.each(func(n Node) error {
		local := filepath.Join(dir, n.Name)
		if err := os.MkdirAll(local, 0o755); err != nil {
			return err
		}
		if err := n.Remote.Download(ctx, t.Daemon.LogPath(), filepath.Join(local, filepath.Base(t.Daemon.LogPath()))); err != nil {
			return fmt.Errorf("deploy: %s: fetch log: %w", n.Name, err)
		}
		return nil
	})
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
	t.each(func(n Node) error {
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
