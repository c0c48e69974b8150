package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/cluster"
	"github.com/faultline/faultline/cluster/local"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
	"github.com/faultline/faultline/rundir"
)

// loadNodes returns the nodes file named by --nodes-file, or the local
// cluster's.
func (g *globals) loadNodes() (*cluster.NodesFile, error) {
	var (
		nf  *cluster.NodesFile
		err error
	)
	switch {
	case g.nodesFile != "":
		nf, err = cluster.LoadNodesFile(g.nodesFile)
	case !local.Exists(g.clusterName):
		return nil, badInput("no nodes: no --nodes-file given and no local cluster %q (run: faultline cluster up --name %s)", g.clusterName, g.clusterName)
	default:
		nf, err = local.Load(g.clusterName)
	}
	if err != nil {
		return nil, err
	}
	return nf, g.checkCredentials(nf)
}

// checkCredentials refuses, before any node is dialled, the nodes file's
// key and known_hosts when they cannot work: missing or unreadable (bad
// input naming the nodes file, not "node unreachable"), or a private key
// that others can read, which OpenSSH refuses too.
func (g *globals) checkCredentials(nf *cluster.NodesFile) error {
	if p := nf.IdentityPath(); p != "" {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			return badInput("nodes file %s: identity %s: %v (fix the identity: line, or create the key)", nf.Path, p, errors.Unwrap(err))
		case !st.Mode().IsRegular():
			return badInput("nodes file %s: identity %s is not a regular file", nf.Path, p)
		case st.Mode().Perm()&0o077 != 0:
			return badInput("nodes file %s: identity %s is readable by others (permissions %04o); like OpenSSH, faultline refuses it: chmod 600 %s", nf.Path, p, st.Mode().Perm(), p)
		}
		if f, err := os.Open(p); err != nil {
			return badInput("nodes file %s: identity %s: %v", nf.Path, p, errors.Unwrap(err))
		} else {
			f.Close()
		}
	}
	if p := nf.KnownHostsPath(); p != "" && !g.insecureKeys {
		if f, err := os.Open(p); err != nil {
			return badInput("nodes file %s: known_hosts %s: %v (fill it with ssh-keyscan, or fix the known_hosts: line)", nf.Path, p, errors.Unwrap(err))
		} else {
			f.Close()
		}
	}
	return nil
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

// recordNodes are the nodes as test.json records them.
func recordNodes(nf *cluster.NodesFile) []rundir.Node {
	if nf.Nodes == nil {
		return nil
	}
	out := make([]rundir.Node, len(nf.Nodes))
	for i, n := range nf.Nodes {
		out[i] = rundir.Node(n)
	}
	return out
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
