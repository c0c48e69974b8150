package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/cluster"
)

// testCluster builds a 3-node cluster with a name and subnet of its own and
// tears it down (checking nothing is left) when the test ends.
func testCluster(t *testing.T) (name string, nf *cluster.NodesFile) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the local cluster needs root")
	}
	if _, err := checkPrereqs(); err != nil {
		t.Skip(err)
	}
	t.Setenv("FAULTLINE_HOME", t.TempDir())
	pid := os.Getpid()
	name = fmt.Sprintf("t%d", pid)
	subnet := fmt.Sprintf("198.18.%d.0/24", 200+pid%50)
	nm := namesOf(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Down(ctx, name); err != nil {
			t.Errorf("Down: %v", err)
		}
		if r := residue(nm); len(r) > 0 {
			t.Errorf("after Down: %v remain", r)
		}
		if _, err := os.Stat(StateDir(name)); err == nil {
			t.Errorf("after Down: state dir %s remains", StateDir(name))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nf, err := Up(ctx, Options{Name: name, Nodes: 3, Subnet: subnet})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	return name, nf
}

func nodeSSH(t *testing.T, name string, nf *cluster.NodesFile, node, cmd string) (string, error) {
	t.Helper()
	n, ok := nf.Node(node)
	if !ok {
		t.Fatalf("no node %s", node)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := sshRun(ctx, StateDir(name), n.Address, cmd)
	return strings.TrimSpace(out), err
}

func mustSSH(t *testing.T, name string, nf *cluster.NodesFile, node, cmd string) string {
	t.Helper()
	out, err := nodeSSH(t, name, nf, node, cmd)
	if err != nil {
		t.Fatalf("on %s: %v", node, err)
	}
	return out
}

func TestLocalCluster(t *testing.T) {
	name, nf := testCluster(t)

	// The nodes file: written where Load finds it, with working paths.
	if nf.Path != NodesFilePath(name) || len(nf.Nodes) != 3 || nf.User != "root" {
		t.Fatalf("nodes file %+v", nf)
	}
	for _, p := range []string{nf.IdentityPath(), nf.KnownHostsPath(), nf.IdentityPath() + ".pub"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("nodes file names %s: %v", p, err)
		}
	}
	loaded, err := Load(name)
	if err != nil || len(loaded.Nodes) != 3 {
		t.Fatalf("Load: %v %+v", err, loaded)
	}
	if !Exists(name) {
		t.Errorf("Exists(%q) = false after Up", name)
	}

	t.Run("ssh and hostname", func(t *testing.T) {
		for _, n := range nf.Nodes {
			if got := mustSSH(t, name, nf, n.Name, "hostname"); got != n.Name {
				t.Errorf("hostname on %s = %q", n.Name, got)
			}
		}
	})
	t.Run("host key is checked", func(t *testing.T) {
		// A known_hosts with another key for n1 must make the handshake fail.
		dir := StateDir(name)
		kh := filepath.Join(dir, knownHostsFile)
		good, _ := os.ReadFile(kh)
		defer os.WriteFile(kh, good, 0o644)
		n2key := strings.Fields(strings.Split(string(good), "\n")[1])[1:]
		forged := nf.Nodes[0].Address + " " + strings.Join(n2key, " ") + "\n"
		if err := os.WriteFile(kh, []byte(forged), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := nodeSSH(t, name, nf, "n1", "true"); err == nil || !strings.Contains(err.Error(), "key mismatch") {
			t.Errorf("ssh with a wrong host key: %v, want a key mismatch", err)
		}
	})
	t.Run("private /opt/faultline", func(t *testing.T) {
		mustSSH(t, name, nf, "n1", "echo hello > /opt/faultline/probe")
		if _, err := nodeSSH(t, name, nf, "n2", "test -e /opt/faultline/probe"); err == nil {
			t.Errorf("n1's /opt/faultline/probe is visible on n2")
		}
		data, err := os.ReadFile(filepath.Join(StateDir(name), nodesDir, "n1", nodeOptDir, "probe"))
		if err != nil || strings.TrimSpace(string(data)) != "hello" {
			t.Errorf("n1's file is not in its node directory: %q %v", data, err)
		}
		if _, err := os.Stat(filepath.Join(optMount, "probe")); err == nil {
			t.Errorf("n1's file leaked into the host's %s", optMount)
		}
	})
	t.Run("private home", func(t *testing.T) {
		mustSSH(t, name, nf, "n1", "echo x > ~/faultline-home-probe")
		if _, err := nodeSSH(t, name, nf, "n2", "test -e ~/faultline-home-probe"); err == nil {
			t.Errorf("n1's home file is visible on n2")
		}
		if _, err := os.Stat("/root/faultline-home-probe"); err == nil {
			t.Errorf("n1's home file leaked into the host's /root")
		}
	})
	t.Run("private process table", func(t *testing.T) {
		out := mustSSH(t, name, nf, "n2", "ps -e -o pid=,comm=")
		lines := strings.Split(out, "\n")
		if len(lines) > 8 {
			t.Errorf("n2 sees %d processes, want only its own few:\n%s", len(lines), out)
		}
		if f := strings.Fields(lines[0]); len(f) != 2 || f[0] != "1" || f[1] != "sshd" {
			t.Errorf("PID 1 on n2 is %q, want sshd", lines[0])
		}
		if strings.Contains(out, "go") || strings.Contains(out, "local.test") {
			t.Errorf("n2 sees host processes:\n%s", out)
		}
	})
	t.Run("firewall is per node", func(t *testing.T) {
		n1, _ := nf.Node("n1")
		n2, _ := nf.Node("n2")
		n3, _ := nf.Node("n3")
		// A dropped SYN hangs: the timeout ends the attempt, and a
		// connection that works answers at once.
		tcp := func(from string, to cluster.Node) error {
			_, err := nodeSSH(t, name, nf, from, fmt.Sprintf("timeout 1 bash -c ': </dev/tcp/%s/22'", to.Address))
			return err
		}
		if err := tcp("n2", n1); err != nil {
			t.Fatalf("n2 -> n1 before the rule: %v", err)
		}
		mustSSH(t, name, nf, "n1", "iptables -w -N FL-LOCAL-TEST && iptables -w -A FL-LOCAL-TEST -s "+n2.Address+" -j DROP && iptables -w -I INPUT -j FL-LOCAL-TEST")
		defer mustSSH(t, name, nf, "n1", "iptables -w -D INPUT -j FL-LOCAL-TEST && iptables -w -F FL-LOCAL-TEST && iptables -w -X FL-LOCAL-TEST")
		if err := tcp("n2", n1); err == nil {
			t.Errorf("n2 -> n1 connected through n1's DROP rule")
		}
		if err := tcp("n1", n2); err == nil {
			t.Errorf("n1 -> n2 connected although n1 drops n2's replies")
		}
		if err := tcp("n2", n3); err != nil {
			t.Errorf("n2 -> n3 cut by a rule on n1: %v", err)
		}
		if err := tcp("n3", n2); err != nil {
			t.Errorf("n3 -> n2 cut by a rule on n1: %v", err)
		}
		// The rule lives only in n1's netns.
		if out, _ := output(context.Background(), "iptables", "-w", "-S"); strings.Contains(out, "FL-LOCAL-TEST") {
			t.Errorf("n1's chain is in the host's firewall")
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("status healthy", func(t *testing.T) {
		sts, err := Status(ctx, name)
		if err != nil || len(sts) != 3 {
			t.Fatalf("Status: %v %+v", err, sts)
		}
		for _, s := range sts {
			if !s.Healthy() || s.Error != "" {
				t.Errorf("node %s: %+v", s.Name, s)
			}
		}
	})
	t.Run("second up is a no-op", func(t *testing.T) {
		before := readStateT(t, name)
		nf2, err := Up(ctx, Options{Name: name}) // nodes and subnet kept
		if err != nil {
			t.Fatal(err)
		}
		after := readStateT(t, name)
		if len(after.Nodes) != 3 || after.Subnet != before.Subnet {
			t.Fatalf("second Up changed the cluster: %+v -> %+v", before, after)
		}
		for i := range before.Nodes {
			if before.Nodes[i].SSHDPID != after.Nodes[i].SSHDPID {
				t.Errorf("%s restarted: pid %d -> %d", before.Nodes[i].Name, before.Nodes[i].SSHDPID, after.Nodes[i].SSHDPID)
			}
		}
		if got := mustSSH(t, name, nf2, "n3", "hostname"); got != "n3" {
			t.Errorf("hostname %q", got)
		}
		// n1's file survived: the node was not rebuilt.
		mustSSH(t, name, nf2, "n1", "test -e /opt/faultline/probe")
	})
	t.Run("up repairs a dead node", func(t *testing.T) {
		st := readStateT(t, name)
		n2 := st.Nodes[1]
		if err := syscall.Kill(n2.SSHDPID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return !sshdAlive(n2.SSHDPID, n2.Netns) && len(netnsPIDs(n2.Netns)) == 0 })
		sts, err := Status(ctx, name)
		if err != nil || sts[1].SSHDAlive || sts[1].TCP {
			t.Fatalf("Status after kill: %v %+v", err, sts[1])
		}
		if !sts[0].Healthy() {
			t.Errorf("killing n2 hurt n1: %+v", sts[0])
		}
		if _, err := Up(ctx, Options{Name: name}); err != nil {
			t.Fatal(err)
		}
		after := readStateT(t, name)
		if after.Nodes[1].SSHDPID == n2.SSHDPID || !sshdAlive(after.Nodes[1].SSHDPID, n2.Netns) {
			t.Errorf("n2 not restarted: %+v", after.Nodes[1])
		}
		if after.Nodes[0].SSHDPID != st.Nodes[0].SSHDPID {
			t.Errorf("repairing n2 restarted n1")
		}
		if got := mustSSH(t, name, nf, "n2", "hostname"); got != "n2" {
			t.Errorf("hostname %q", got)
		}
	})
	t.Run("subnet in use is refused", func(t *testing.T) {
		other := name + "-b"
		_, err := Up(ctx, Options{Name: other, Nodes: 1, Subnet: readStateT(t, name).Subnet})
		if err == nil {
			Down(ctx, other)
			t.Fatal("a second cluster on the same subnet was built")
		}
		if !strings.Contains(err.Error(), "already used by interface "+namesOf(name).bridge()) || !strings.Contains(err.Error(), fmt.Sprintf("cluster %q", name)) {
			t.Errorf("error %q does not name the bridge and cluster", err)
		}
		if Exists(other) {
			t.Errorf("refused Up left %v, state dir %s", residue(namesOf(other)), StateDir(other))
		}
	})
	t.Run("clusters coexist", func(t *testing.T) {
		other := name + "-c"
		subnet := fmt.Sprintf("198.18.%d.0/24", 150+os.Getpid()%50)
		defer func() {
			if err := Down(ctx, other); err != nil {
				t.Error(err)
			}
		}()
		onf, err := Up(ctx, Options{Name: other, Nodes: 1, Subnet: subnet})
		if err != nil {
			t.Fatal(err)
		}
		if got := mustSSH(t, other, onf, "n1", "hostname"); got != "n1" {
			t.Errorf("other cluster's n1 hostname %q", got)
		}
		if err := Down(ctx, other); err != nil {
			t.Fatal(err)
		}
		sts, err := Status(ctx, name)
		if err != nil || len(sts) != 3 || !sts[0].Healthy() {
			t.Errorf("tearing down another cluster hurt this one: %v %+v", err, sts)
		}
	})
	t.Run("up resizes", func(t *testing.T) {
		if _, err := Up(ctx, Options{Name: name, Nodes: 2}); err != nil {
			t.Fatal(err)
		}
		nm := namesOf(name)
		if netnsExists(nm.netns(3)) || linkExists(nm.veth(3)) || len(readStateT(t, name).Nodes) != 2 {
			t.Errorf("n3 not removed when shrinking to 2 nodes")
		}
		nf3, err := Up(ctx, Options{Name: name, Nodes: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := mustSSH(t, name, nf3, "n3", "hostname"); got != "n3" {
			t.Errorf("n3 after growing: hostname %q", got)
		}
	})
	t.Run("down then status is empty", func(t *testing.T) {
		if err := Down(ctx, name); err != nil {
			t.Fatal(err)
		}
		sts, err := Status(ctx, name)
		if err != nil || len(sts) != 0 {
			t.Errorf("Status after Down: %v %+v", err, sts)
		}
		if Exists(name) {
			t.Errorf("Exists after Down")
		}
		if _, err := Load(name); err == nil {
			t.Errorf("Load after Down succeeded")
		}
	})
}

// TestDownWithoutState tears down a half-built cluster that has no
// cluster.json: names derive from the cluster name.
func TestDownWithoutState(t *testing.T) {
	name, _ := testCluster(t)
	os.Remove(filepath.Join(StateDir(name), stateFile))
	if !Exists(name) {
		t.Fatal("Exists = false with namespaces and bridge present")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sts, err := Status(ctx, name)
	if err != nil || len(sts) != 3 || !sts[0].NetnsExists || sts[0].Healthy() {
		t.Errorf("Status without cluster.json: %v %+v", err, sts)
	}
	if err := Down(ctx, name); err != nil {
		t.Fatal(err)
	}
	if r := residue(namesOf(name)); len(r) > 0 {
		t.Errorf("left %v", r)
	}
}

func readStateT(t *testing.T, name string) *state {
	t.Helper()
	st, err := readState(StateDir(name))
	if err != nil || st == nil {
		t.Fatalf("cluster.json: %v", err)
	}
	return st
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached in 5s")
}
