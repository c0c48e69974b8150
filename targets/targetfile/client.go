package targetfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/execclient"
)

// clientLogs is where the run's client processes keep their logs until
// CollectLogs moves them into the run directory, one temporary directory
// per deployment, made at the first client.
type clientLogs struct {
	once sync.Once
	dir  string
	err  error
}

func (c *clientLogs) get() (string, error) {
	c.once.Do(func() { c.dir, c.err = os.MkdirTemp("", "faultline-clients-") })
	return c.dir, c.err
}

// OpClient implements targets.OpClients: a process of the file's client
// executable for one worker bound to node, speaking JSON lines (package
// execclient). It runs in the target file's directory; its log (stderr
// and anything it printed that was not a completion) goes to the node's
// directory of the run, under clients/.
func (d *Deployment) OpClient(node string) (targets.OpClient, error) {
	argv, env, err := d.ClientCommand(node)
	if err != nil {
		return nil, err
	}
	n, err := d.proc.Node(node)
	if err != nil {
		return nil, err
	}
	logs, err := d.logs.get()
	if err != nil {
		return nil, fmt.Errorf("targetfile: client logs: %w", err)
	}
	var nodes []string
	for _, m := range d.env.Nodes {
		nodes = append(nodes, m.Name+"="+m.Address)
	}
	c, err := execclient.New(execclient.Config{Argv: argv, Env: env, Dir: d.file.Dir,
		Node: n.Name, Address: n.Address, Nodes: nodes, LogDir: logs})
	if err != nil {
		return nil, fmt.Errorf("%s: client: %w", d.file.Path, err)
	}
	return c, nil
}

// collectClientLogs moves the client logs of each node into
// dir/<node>/clients/. Logs of clients still running keep being written
// where they are, and are moved at the next collection.
func (d *Deployment) collectClientLogs(dir string) error {
	if d.logs.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(d.logs.dir)
	if err != nil {
		return fmt.Errorf("targetfile: client logs: %w", err)
	}
	var errs []error
	for _, e := range entries {
		for _, n := range d.env.Nodes {
			if !strings.HasPrefix(e.Name(), n.Name+"-") {
				continue
			}
			to := filepath.Join(dir, n.Name, "clients")
			if err := os.MkdirAll(to, 0o755); err != nil {
				errs = append(errs, err)
				break
			}
			if err := moveFile(filepath.Join(d.logs.dir, e.Name()), filepath.Join(to, e.Name())); err != nil {
				errs = append(errs, fmt.Errorf("targetfile: client log %s: %w", e.Name(), err))
			}
			break
		}
	}
	os.Remove(d.logs.dir) // only when empty: every client's log was moved
	return errors.Join(errs...)
}

// moveFile renames, or copies and removes across file systems.
func moveFile(from, to string) error {
	if os.Rename(from, to) == nil {
		return nil
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return err
	}
	return os.Remove(from)
}

var _ targets.OpClients = (*Deployment)(nil)
