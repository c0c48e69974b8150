package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// upNamedCluster brings up a cluster of the test's own name and subnet and
// registers its teardown; it returns the FAULTLINE_HOME it lives in.
func upNamedCluster(t *testing.T, name, subnet string) string {
	t.Helper()
	home := t.TempDir()
	t.Cleanup(func() {
		if _, _, code := cli(t, home, "cluster", "down", "--name", name); code != 0 {
			t.Errorf("cluster down %s exited %d", name, code)
		}
		out, _ := exec.Command("ip", "netns", "list").Output()
		if strings.Contains(string(out), "fl-"+name+"-") {
			t.Errorf("namespaces of %s left after cluster down:\n%s", name, out)
		}
	})
	if _, _, code := cli(t, home, "cluster", "up", "--name", name, "--subnet", subnet, "--nodes", "5"); code != 0 {
		t.Fatalf("cluster up %s exited %d", name, code)
	}
	return home
}

// TestEtcd runs Debian's etcd on a namespace cluster: linearizable reads
// must stay linearizable under partitions and crashes (exit 0), and
// serializable reads must be caught serving stale values under partitions
// (exit 1). The clock nemesis is refused with a reason.
func TestEtcd(t *testing.T) {
	requireRoot(t)
	if _, err := os.Stat("/usr/bin/etcd"); err != nil {
		t.Skip("etcd not installed (apt-get install etcd-server, or make setup)")
	}
	const name = "e2etcd"
	home := upNamedCluster(t, name, "198.18.73.0/24")
	store := t.TempDir()

	t.Run("linearizable under partition and kill", func(t *testing.T) {
		stdout, _, code := cli(t, home, "test", "--cluster", name, "--store", store,
			"--target", "etcd", "--workload", "register", "--nemesis", "partition,kill",
			"--time-limit", "30s", "--nemesis-interval", "5s", "--seed", "1")
		dir := runDir(t, stdout)
		r := readResults(t, dir)
		if code != 0 || r.Verdict != "valid" {
			t.Fatalf("etcd linearizable: exit %d, verdict %s (%+v); want 0, valid", code, r.Verdict, r.Checkers)
		}
		client, okOps, nem := countOps(t, filepath.Join(dir, "history.jsonl"))
		if okOps < 500 || nem < 4 {
			t.Errorf("history too thin: %d client completions, %d ok, %d nemesis ops", client, okOps, nem)
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "nodes", "*", "etcd.log"))
		if len(logs) != 5 {
			t.Errorf("etcd logs fetched: %d, want 5", len(logs))
		}
	})

	t.Run("serializable reads are caught under partition", func(t *testing.T) {
		stdout, _, code := cli(t, home, "test", "--cluster", name, "--store", store,
			"--target", "etcd", "--mode", "serializable", "--workload", "register", "--nemesis", "partition",
			"--time-limit", "30s", "--nemesis-interval", "5s", "--seed", "2")
		dir := runDir(t, stdout)
		r := readResults(t, dir)
		if code != 1 || r.Verdict != "invalid" {
			t.Fatalf("etcd serializable: exit %d, verdict %s (%+v); want 1, invalid", code, r.Verdict, r.Checkers)
		}
	})

	t.Run("clock nemesis is refused with a reason", func(t *testing.T) {
		_, stderr, code := cli(t, home, "test", "--cluster", name, "--store", store,
			"--target", "etcd", "--nemesis", "clock", "--time-limit", "5s")
		if code != 254 || !strings.Contains(stderr, "kernel clock") {
			t.Fatalf("clock on etcd: exit %d, stderr %q; want 254 and the reason", code, stderr)
		}
	})
}
