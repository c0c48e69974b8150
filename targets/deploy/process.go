package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Grace periods of Daemon.Stop: Setup clears an old process quickly,
// Teardown gives the run's own a little longer to exit cleanly.
const (
	setupGrace    = 2 * time.Second
	teardownGrace = 3 * time.Second
)

// Process is one program that a deployment runs on each of its nodes
// under Daemon's pidfile: what to install and run, and how to tell it is
// ready. It is the deployment's process control, written once for every
// deployment that runs a daemon (NodeDaemon, etcd.Cluster): Setup and
// Teardown, Kill and Start for the kill nemesis (targets.Killer), Pause
// and Resume for the pause nemesis (targets.Pauser), Residue and
// CollectLogs.
//
// Process holds no state of its own beyond its fields, so a deployment
// can build one from its own settings whenever it needs it. Nodes are
// addressed by name.
type Process struct {
	// Daemon is the program on a node: its binary, pidfile and log.
	Daemon Daemon
	// Binary is the local binary that Setup uploads to every node.
	Binary string
	Nodes  []Node
	// Args is the program's command line on node n, after the binary. A
	// restart runs it again with the same arguments and keeps the data.
	Args func(n Node) []string
	// Ready probes once whether the process on node n serves (nil when it
	// does). Nil Ready: a started process counts as ready.
	Ready func(ctx context.Context, n Node) error
	// ReadyTimeout bounds WaitReady (default 15s); ReadyPoll is the pause
	// between probes (default 100ms).
	ReadyTimeout, ReadyPoll time.Duration
}

// Node returns the node called name.
func (p Process) Node(name string) (Node, error) {
	for _, n := range p.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("deploy: no node %q", name)
}

// Each runs f on every node in parallel and joins the errors.
func (p Process) Each(f func(Node) error) error {
	errs := make([]error, len(p.Nodes))
	var wg sync.WaitGroup
	for i, n := range p.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// onNode runs f on the node called name.
func (p Process) onNode(name string, f func(Node) error) error {
	n, err := p.Node(name)
	if err != nil {
		return err
	}
	return f(n)
}

func (p Process) args(n Node) []string {
	if p.Args == nil {
		return nil
	}
	return p.Args(n)
}

// Setup stops any old process on every node, wipes its data, uploads the
// binary, starts the process and waits until each is ready. A node whose
// process does not come up is named with the tail of its log.
func (p Process) Setup(ctx context.Context) error {
	err := p.Each(func(n Node) error {
		if err := p.Daemon.Stop(ctx, n.Remote, setupGrace); err != nil {
			return err
		}
		if err := p.Daemon.Wipe(ctx, n.Remote); err != nil {
			return err
		}
		if err := p.Daemon.Install(ctx, n.Remote, p.Binary); err != nil {
			return err
		}
		return p.Daemon.Start(ctx, n.Remote, p.args(n)...)
	})
	if err != nil {
		return err
	}
	return p.Each(func(n Node) error { return p.WaitReady(ctx, n.Name) })
}

// WaitReady probes the process on node until it is ready, for at most
// ReadyTimeout; the error names the node, the program, the last probe's
// error and the tail of the log.
func (p Process) WaitReady(ctx context.Context, node string) error {
	n, err := p.Node(node)
	if err != nil || p.Ready == nil {
		return err
	}
	limit, poll := p.ReadyTimeout, p.ReadyPoll
	if limit == 0 {
		limit = 15 * time.Second
	}
	if poll == 0 {
		poll = 100 * time.Millisecond
	}
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if last = p.Ready(ctx, n); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	tail := p.Daemon.LogTail(ctx, n.Remote, 15)
	return fmt.Errorf("deploy: %s: %s did not come up within %s (%v); log tail:\n%s", node, p.Daemon.Name, limit, last, tail)
}

// Kill kills the process on node with SIGKILL (resuming it first) and
// waits until it is gone.
func (p Process) Kill(ctx context.Context, node string) error {
	return p.onNode(node, func(n Node) error { return p.Daemon.Kill(ctx, n.Remote) })
}

// Start starts the process on node with its arguments if it is not
// running, keeping its data: the restart after a Kill.
func (p Process) Start(ctx context.Context, node string) error {
	return p.onNode(node, func(n Node) error { return p.Daemon.Start(ctx, n.Remote, p.args(n)...) })
}

// Pause sends SIGSTOP to the process on node, if it runs.
func (p Process) Pause(ctx context.Context, node string) error {
	return p.signal(ctx, node, "STOP")
}

// Resume sends SIGCONT to the process on node; a no-op when it runs.
func (p Process) Resume(ctx context.Context, node string) error {
	return p.signal(ctx, node, "CONT")
}

// signal sends sig to the process on node, after Daemon.Signal has
// checked that the pidfile names our program.
func (p Process) signal(ctx context.Context, node, sig string) error {
	return p.onNode(node, func(n Node) error {
		_, err := p.Daemon.Signal(ctx, n.Remote, sig)
		return err
	})
}

// Teardown stops the process on every node (resuming it first); its data
// stays until the next Setup.
func (p Process) Teardown(ctx context.Context) error {
	return p.Each(func(n Node) error { return p.Daemon.Stop(ctx, n.Remote, teardownGrace) })
}

// Residue lists what the process left that a clean node must not have: a
// process in the stopped state, as "NODE: NAME is stopped (SIGSTOP)".
func (p Process) Residue(ctx context.Context) ([]string, error) {
	var mu sync.Mutex
	var res []string
	err := p.Each(func(n Node) error {
		stopped, err := p.Daemon.Stopped(ctx, n.Remote)
		if stopped {
			mu.Lock()
			res = append(res, n.Name+": "+p.Daemon.Name+" is stopped (SIGSTOP)")
			mu.Unlock()
		}
		return err
	})
	return res, err
}

// CollectLogs downloads each node's log into dir/<node>/ under the log's
// own name (NAME.log). Only the log: a data directory can be large.
func (p Process) CollectLogs(ctx context.Context, dir string) error {
	return p.Each(func(n Node) error {
		local := filepath.Join(dir, n.Name)
		if err := os.MkdirAll(local, 0o755); err != nil {
			return err
		}
		if err := n.Remote.Download(ctx, p.Daemon.LogPath(), filepath.Join(local, filepath.Base(p.Daemon.LogPath()))); err != nil {
			return fmt.Errorf("deploy: %s: fetch log: %w", n.Name, err)
		}
		return nil
	})
}
