package local

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/faultline/faultline/cluster"
)

// NodeStatus is the health of one node of a local cluster, checked from
// the bottom up: namespace, sshd process, TCP, SSH.
type NodeStatus struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Netns   string `json:"netns"`
	// NetnsExists: the node's network namespace exists.
	NetnsExists bool `json:"netns_exists"`
	// SSHDPID is the recorded host PID of the node's sshd; SSHDAlive says
	// it is still that sshd, PID 1 of the node.
	SSHDPID   int  `json:"sshd_pid"`
	SSHDAlive bool `json:"sshd_alive"`
	// TCP: port 22 at Address accepts connections.
	TCP bool `json:"tcp"`
	// SSH: a handshake with the cluster's key, the host key checked
	// against its known_hosts, and `true` run on the node, succeeded.
	SSH bool `json:"ssh"`
	// Error says why the first failing check failed, or is "".
	Error string `json:"error,omitempty"`
}

// Healthy reports whether every check passed.
func (s NodeStatus) Healthy() bool { return s.NetnsExists && s.SSHDAlive && s.TCP && s.SSH }

// probeTimeout bounds each node's TCP and SSH probes.
const probeTimeout = 5 * time.Second

// Status checks every node of the local cluster name, in node order. A
// cluster that does not exist has no nodes: Status returns an empty slice.
func Status(ctx context.Context, name string) ([]NodeStatus, error) {
	if name == "" {
		name = DefaultName
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	dir := StateDir(name)
	nm := namesOf(name)
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	var nodes []nodeState
	if st != nil {
		nodes = st.Nodes
	} else {
		// No cluster.json (a crash mid-Up): report the namespaces we find.
		nss := listNetns(nm.netnsPrefix())
		idx := make([]int, 0, len(nss))
		for i := range nss {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			nodes = append(nodes, nodeState{Name: nodeName(i), Netns: nss[i]})
		}
	}
	out := make([]NodeStatus, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = probeNode(ctx, dir, n)
		}()
	}
	wg.Wait()
	return out, nil
}

func probeNode(ctx context.Context, dir string, n nodeState) NodeStatus {
	s := NodeStatus{Name: n.Name, Address: n.Address, Netns: n.Netns, SSHDPID: n.SSHDPID}
	s.NetnsExists = netnsExists(n.Netns)
	if !s.NetnsExists {
		s.Error = "netns " + n.Netns + " is missing (run faultline cluster up)"
		return s
	}
	s.SSHDAlive = sshdAlive(n.SSHDPID, n.Netns)
	if n.Address == "" {
		s.Error = "no address recorded (cluster.json is missing: run faultline cluster up)"
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	d := net.Dialer{}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(n.Address, "22"))
	if err != nil {
		s.Error = err.Error()
		return s
	}
	c.Close()
	s.TCP = true
	if _, err := sshRun(ctx, dir, n.Address, "true"); err != nil {
		s.Error = err.Error()
		return s
	}
	s.SSH = true
	if !s.SSHDAlive {
		s.Error = fmt.Sprintf("sshd answers but is not the recorded PID %d (run faultline cluster up)", n.SSHDPID)
	}
	return s
}

// sshRun runs command on the node at addr as root with the cluster's key,
// checking its host key against the cluster's known_hosts, and returns the
// combined output.
func sshRun(ctx context.Context, dir, addr, command string) (string, error) {
	key, err := os.ReadFile(filepath.Join(dir, identityFile))
	if err != nil {
		return "", fmt.Errorf("cluster/local: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("cluster/local: %s: %w", filepath.Join(dir, identityFile), err)
	}
	hostKeys, err := knownhosts.New(filepath.Join(dir, knownHostsFile))
	if err != nil {
		return "", fmt.Errorf("cluster/local: %w", err)
	}
	cfg := &ssh.ClientConfig{
		User:              "root",
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   hostKeys,
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		Timeout:           probeTimeout,
	}
	hostport := net.JoinHostPort(addr, "22")
	d := net.Dialer{Timeout: probeTimeout}
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return "", fmt.Errorf("cluster/local: ssh %s: %w", hostport, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, hostport, cfg)
	if err != nil {
		return "", fmt.Errorf("cluster/local: ssh %s: %w", hostport, err)
	}
	client := ssh.NewClient(cc, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return "", fmt.Errorf("cluster/local: ssh %s: %w", hostport, err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(command)
	if err != nil {
		return string(out), fmt.Errorf("cluster/local: ssh %s: %q: %w: %s", hostport, command, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Exists reports whether anything of the local cluster name exists: its
// state, its bridge or a node namespace.
func Exists(name string) bool {
	if name == "" {
		name = DefaultName
	}
	if checkName(name) != nil {
		return false
	}
	nm := namesOf(name)
	if _, err := os.Stat(filepath.Join(StateDir(name), stateFile)); err == nil {
		return true
	}
	return linkExists(nm.bridge()) || len(listNetns(nm.netnsPrefix())) > 0
}

// Load returns the nodes file of the running local cluster name: the
// default of every command given no --nodes-file. It refuses a cluster
// whose bridge is gone, so nothing dials addresses that are not ours.
func Load(name string) (*cluster.NodesFile, error) {
	if name == "" {
		name = DefaultName
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	nf, err := cluster.LoadNodesFile(NodesFilePath(name))
	if err != nil {
		return nil, err
	}
	if br := namesOf(name).bridge(); !linkExists(br) {
		return nil, cluster.BadInputf("cluster/local: local cluster %q is down, its bridge %s is missing (run faultline cluster up --name %s, or pass --nodes-file)", name, br, name)
	}
	return nf, nil
}
