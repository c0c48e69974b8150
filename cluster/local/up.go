package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/faultline/faultline/cluster"
)

// Files of the state directory.
const (
	identityFile       = "id_ed25519"
	knownHostsFile     = "known_hosts"
	authorizedKeysFile = "authorized_keys"
	nodesFile          = "nodes.yaml"
	nodesDir           = "nodes"
	nodeEth            = "eth0" // the node end of its veth, inside its netns
)

// Up builds the local cluster o.Name, or repairs it: it is idempotent, and a
// second Up leaves running nodes alone, restarts dead ones and adds or
// removes nodes to match o.Nodes. It returns the cluster's nodes file
// (also written to NodesFilePath), once every node's sshd accepts TCP.
func Up(ctx context.Context, o Options) (*cluster.NodesFile, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if err := checkName(o.Name); err != nil {
		return nil, err
	}
	t, err := checkPrereqs()
	if err != nil {
		return nil, err
	}
	dir := o.StateDir
	if dir == "" {
		dir = StateDir(o.Name)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	if strings.ContainsAny(dir, "\"\\\n\r\t") {
		return nil, cluster.BadInputf("cluster/local: state directory %q contains a quote, backslash or control character (set FAULTLINE_HOME to a plain path)", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("cluster/local: state directory: %w", err)
	}
	unlock, err := lockDir(filepath.Dir(dir))
	if err != nil {
		return nil, err
	}
	defer unlock()

	nm := namesOf(o.Name)
	old, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if o.Nodes == 0 {
		o.Nodes = DefaultNodes
		if old != nil && len(old.Nodes) > 0 {
			o.Nodes = len(old.Nodes)
		}
	}
	if o.Nodes < 1 || o.Nodes > MaxNodes {
		return nil, cluster.BadInputf("cluster/local: %d nodes asked for (use 1 to %d)", o.Nodes, MaxNodes)
	}
	if o.Subnet == "" {
		o.Subnet = DefaultSubnet
		if old != nil && old.Subnet != "" {
			o.Subnet = old.Subnet
		}
	}
	sn, err := parseSubnet(o.Subnet, o.Nodes)
	if err != nil {
		return nil, err
	}
	if old != nil && old.Subnet != "" && old.Subnet != sn.String() && linkExists(nm.bridge()) {
		return nil, cluster.BadInputf("cluster/local: cluster %q is up with subnet %s (run faultline cluster down --name %s first, or pass --subnet %s)", o.Name, old.Subnet, o.Name, old.Subnet)
	}
	if ifc, used := subnetUser(sn.prefix, nm.bridge()); ifc != "" {
		return nil, cluster.BadInputf("cluster/local: subnet %s is already used by interface %s (%s%s); pass another --subnet, e.g. 198.18.%d.0/24", sn, ifc, used, ownerOf(ifc), 1+int(nm.hash[0])%200)
	}

	// Keys: generated here, reused by later Ups so known_hosts stays valid.
	// The state directory is made only now, so a refused Up leaves nothing.
	if err := os.MkdirAll(filepath.Join(dir, nodesDir), 0o755); err != nil {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	client, err := ensureKey(filepath.Join(dir, identityFile), "faultline-"+o.Name, true)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, authorizedKeysFile), ssh.MarshalAuthorizedKey(client.PublicKey()), 0o644); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(optMount, 0o755); err != nil {
		return nil, fmt.Errorf("cluster/local: creating the mount point %s: %w", optMount, err)
	}

	// The network: one bridge, and (below) one veth per node.
	if err := ensureBridge(ctx, t, nm, sn, old == nil); err != nil {
		return nil, err
	}
	chain, err := ensureForward(ctx, t, nm.bridge(), nm.chain())
	if err != nil {
		return nil, err
	}
	// Nodes beyond o.Nodes, from a bigger earlier Up, go.
	for i, ns := range listNetns(nm.netnsPrefix()) {
		if i > o.Nodes {
			if err := downNode(ctx, t, ns, nm.veth(i)); err != nil {
				return nil, err
			}
			os.RemoveAll(filepath.Join(dir, nodesDir, nodeName(i)))
		}
	}
	for i, v := range listLinks(nm.vethPrefix()) {
		if i > o.Nodes {
			if err := delLink(ctx, t, v); err != nil {
				return nil, err
			}
		}
	}

	st := &state{Name: o.Name, Subnet: sn.String(), Bridge: nm.bridge(),
		BridgeAddress: sn.bridgeAddr().String(), FirewallChain: chain}
	var known bytes.Buffer
	nf := &cluster.NodesFile{User: "root", Identity: identityFile, KnownHosts: knownHostsFile}
	for i := 1; i <= o.Nodes; i++ {
		n := nodeState{Name: nodeName(i), Address: sn.nodeAddr(i).String(),
			Netns: nm.netns(i), Veth: nm.veth(i), Dir: filepath.Join(dir, nodesDir, nodeName(i))}
		if old != nil {
			for _, on := range old.Nodes {
				if on.Name == n.Name {
					n.SSHDPID = on.SSHDPID
				}
			}
		}
		if err := makeNodeDirs(n.Dir); err != nil {
			return nil, fmt.Errorf("cluster/local: node %q: %w", n.Name, err)
		}
		keyPath := filepath.Join(n.Dir, hostKeyFile)
		before, _ := os.ReadFile(keyPath)
		hostKey, err := ensureKey(keyPath, "faultline-"+o.Name+"-"+n.Name, false)
		if err != nil {
			return nil, err
		}
		after, _ := os.ReadFile(keyPath)
		configPath := filepath.Join(n.Dir, sshdConfig)
		config := sshdConfigText(n.Dir, dir, n.Address)
		oldConfig, _ := os.ReadFile(configPath)
		changed := !bytes.Equal(before, after) || string(oldConfig) != config
		if changed {
			if err := writeFileAtomic(configPath, []byte(config), 0o644); err != nil {
				return nil, err
			}
		}
		if err := ensureNodeNet(ctx, t, nm, sn, i, n); err != nil {
			return nil, err
		}
		if changed || !sshdAlive(n.SSHDPID, n.Netns) {
			// Whatever is left of the node (a launcher, orphans after its
			// sshd died) goes with it: a node restarts as a whole.
			if err := killNetns(ctx, n.Netns); err != nil {
				return nil, err
			}
			pid, err := startNode(ctx, t, n, configPath)
			if err != nil {
				return nil, err
			}
			n.SSHDPID = pid
		}
		st.Nodes = append(st.Nodes, n)
		// Keep state current node by node, so a failure halfway leaves a
		// cluster.json that names what runs.
		if err := writeState(dir, st); err != nil {
			return nil, err
		}
		known.WriteString(knownhosts.Line([]string{n.Address}, hostKey.PublicKey()) + "\n")
		nf.Nodes = append(nf.Nodes, cluster.Node{Name: n.Name, Address: n.Address})
	}
	if err := writeFileAtomic(filepath.Join(dir, knownHostsFile), known.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := cluster.WriteNodesFile(filepath.Join(dir, nodesFile), nf); err != nil {
		return nil, err
	}
	if err := waitTCP(ctx, st.Nodes, 15*time.Second); err != nil {
		return nil, err
	}
	return cluster.LoadNodesFile(filepath.Join(dir, nodesFile))
}

// makeNodeDirs creates the node's /opt/faultline and /root, the latter
// with Debian's skeleton dotfiles.
func makeNodeDirs(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, nodeOptDir), 0o755); err != nil {
		return err
	}
	home := filepath.Join(dir, nodeHomeDir)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	for _, f := range []string{".profile", ".bashrc"} {
		dst := filepath.Join(home, f)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if data, err := os.ReadFile(filepath.Join("/etc/skel", f)); err == nil {
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func ensureBridge(ctx context.Context, t tools, nm names, sn subnet, fresh bool) error {
	br := nm.bridge()
	if !linkExists(br) {
		if err := run(ctx, t.ip, "link", "add", "name", br, "type", "bridge"); err != nil {
			return err
		}
	} else if fresh {
		// Our bridge without our state: drop whatever address it had.
		if err := run(ctx, t.ip, "addr", "flush", "dev", br); err != nil {
			return err
		}
	}
	if err := run(ctx, t.ip, "addr", "replace", sn.cidr(sn.bridgeAddr()), "dev", br); err != nil {
		return err
	}
	return run(ctx, t.ip, "link", "set", "dev", br, "address", nm.bridgeMAC(), "up")
}

// ensureNodeNet makes the node's netns, its veth pair (host end on the
// bridge, eth0 inside with the node's address) and its loopback, repairing
// a half-built pair.
func ensureNodeNet(ctx context.Context, t tools, nm names, sn subnet, i int, n nodeState) error {
	br := nm.bridge()
	if !netnsExists(n.Netns) {
		if err := run(ctx, t.ip, "netns", "add", n.Netns); err != nil {
			return err
		}
	}
	hostEnd := linkExists(n.Veth)
	nodeEnd := run(ctx, t.ip, "-n", n.Netns, "link", "show", "dev", nodeEth) == nil
	if hostEnd != nodeEnd {
		if hostEnd {
			if err := run(ctx, t.ip, "link", "del", "dev", n.Veth); err != nil {
				return err
			}
		} else if err := run(ctx, t.ip, "-n", n.Netns, "link", "del", "dev", nodeEth); err != nil {
			return err
		}
		hostEnd = false
	}
	if !hostEnd {
		if err := run(ctx, t.ip, "link", "add", "name", n.Veth, "address", nm.vethMAC(i),
			"type", "veth", "peer", "name", nodeEth, "address", nm.nodeMAC(i), "netns", n.Netns); err != nil {
			return err
		}
	}
	if linkMaster(n.Veth) != br {
		if err := run(ctx, t.ip, "link", "set", "dev", n.Veth, "master", br); err != nil {
			return err
		}
	}
	steps := [][]string{
		{t.ip, "link", "set", "dev", n.Veth, "up"},
		{t.ip, "-n", n.Netns, "addr", "replace", n.Address + "/" + fmt.Sprint(sn.prefix.Bits()), "dev", nodeEth},
		{t.ip, "-n", n.Netns, "link", "set", "dev", nodeEth, "up"},
		{t.ip, "-n", n.Netns, "link", "set", "dev", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			return err
		}
	}
	return nil
}

// downNode stops every process of a node and removes its netns and veth.
func downNode(ctx context.Context, t tools, ns, veth string) error {
	var errs []error
	if netnsExists(ns) {
		if err := killNetns(ctx, ns); err != nil {
			errs = append(errs, err)
		}
		if err := run(ctx, t.ip, "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	if err := delLink(ctx, t, veth); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// delLink deletes a host interface if it exists. Deleting a netns takes
// its veth pair with it asynchronously, so a link that vanishes while we
// delete it is not an error.
func delLink(ctx context.Context, t tools, name string) error {
	if !linkExists(name) {
		return nil
	}
	err := run(ctx, t.ip, "link", "del", "dev", name)
	if err != nil && !linkExists(name) {
		return nil
	}
	return err
}

// waitTCP waits, bounded, until every node's sshd accepts connections.
func waitTCP(ctx context.Context, nodes []nodeState, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := net.JoinHostPort(n.Address, "22")
			for {
				d := net.Dialer{Timeout: 500 * time.Millisecond}
				c, err := d.DialContext(ctx, "tcp", addr)
				if err == nil {
					c.Close()
					return
				}
				select {
				case <-ctx.Done():
					errs[i] = fmt.Errorf("cluster/local: node %q: sshd at %s does not accept connections: %v (log %s)", n.Name, addr, err, filepath.Join(n.Dir, sshdLogFile))
					return
				case <-time.After(25 * time.Millisecond):
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lockDir takes an exclusive lock on dir (flock on the directory itself),
// so two faultline commands do not build or tear down at once.
func lockDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("cluster/local: locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// ownerOf says which local cluster owns the interface ifc, as ", the
// bridge of cluster X", or "".
func ownerOf(ifc string) string {
	entries, _ := os.ReadDir(StateRoot())
	for _, e := range entries {
		if st, err := readState(filepath.Join(StateRoot(), e.Name())); err == nil && st != nil && st.Bridge == ifc {
			return fmt.Sprintf(", the bridge of cluster %q", st.Name)
		}
	}
	if strings.HasPrefix(ifc, "flb-") {
		return ", the bridge of another faultline cluster"
	}
	return ""
}
