package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/cluster"
	"github.com/faultline/faultline/cluster/local"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
)

// loadNodes returns the nodes file named by --nodes-file, or the local
// cluster's.
func (g *globals) loadNodes() (*cluster.NodesFile, error) {
	if g.nodesFile != "" {
		return cluster.LoadNodesFile(g.nodesFile)
	}
	if !local.Exists(g.clusterName) {
		return nil, badInput("no nodes: no --nodes-file given and no local cluster %q (run: faultline cluster up --name %s)", g.clusterName, g.clusterName)
	}
	return local.Load(g.clusterName)
}

// sshConfig is how to reach one node of a nodes file.
func (g *globals) sshConfig(nf *cluster.NodesFile, n cluster.Node, log *slog.Logger) ssh.Config {
	return ssh.Config{
		Node:                  n.Name,
		Host:                  n.Address,
		Port:                  n.Port,
		User:                  nf.User,
		IdentityFile:          nf.IdentityPath(),
		KnownHostsFile:        nf.KnownHostsPath(),
		InsecureIgnoreHostKey: g.insecureKeys,
		DialTimeout:           5 * time.Second,
		KeepAlive:             5 * time.Second,
		UseAgent:              true,
		Logger:                log,
	}
}

// errUnreachable marks a node that could not be reached: exit 255.
var errUnreachable = errors.New("node unreachable")

// dialAll opens a Remote to every node in parallel. Any failure closes the
// others and names the node.
func (g *globals) dialAll(ctx context.Context, nf *cluster.NodesFile, log *slog.Logger) (map[string]control.Remote, error) {
	rs := make(map[string]control.Remote, len(nf.Nodes))
	errs := make([]error, len(nf.Nodes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range nf.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := ssh.Dial(ctx, g.sshConfig(nf, n, log))
			if err != nil {
				errs[i] = fmt.Errorf("%w: %v", errUnreachable, err)
				return
			}
			mu.Lock()
			rs[n.Name] = r
			if net.ParseIP(n.Address) == nil {
				// A host alias or DNS name: firewall rules and peer lists
				// need the address it reached.
				nf.Nodes[i].Address = r.IP()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll(rs)
		return nil, err
	}
	return rs, nil
}

func closeAll(rs map[string]control.Remote) {
	for _, r := range rs {
		r.Close()
	}
}

// addrs maps node names to addresses.
func addrs(nf *cluster.NodesFile) map[string]string {
	m := make(map[string]string, len(nf.Nodes))
	for _, n := range nf.Nodes {
		m[n.Name] = n.Address
	}
	return m
}

func names(nf *cluster.NodesFile) []string {
	s := make([]string, len(nf.Nodes))
	for i, n := range nf.Nodes {
		s[i] = n.Name
	}
	return s
}

func portString(p int) string {
	if p == 0 {
		return "22"
	}
	return strconv.Itoa(p)
}
