package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	clusterName = "e2e"
	subnet      = "198.18.77.0/24"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faultline-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for _, b := range []string{"faultline", "faultline-node"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b), "../cmd/"+b)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs faultline with args and returns stdout, stderr and the exit code.
func cli(t *testing.T, home string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "faultline"), args...)
	cmd.Env = append(os.Environ(), "FAULTLINE_HOME="+home)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("faultline %v: %v", args, err)
	}
	t.Logf("faultline %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), lastLines(errb.String(), 40))
	return out.String(), errb.String(), code
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func requireRoot(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root to build a namespace cluster")
	}
}

// upCluster brings up the test's own cluster and registers its teardown.
func upCluster(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Cleanup(func() {
		if _, _, code := cli(t, home, "cluster", "down", "--name", clusterName); code != 0 {
			t.Errorf("cluster down exited %d", code)
		}
		// Nothing of ours may outlive the test.
		out, _ := exec.Command("ip", "netns", "list").Output()
		if strings.Contains(string(out), "fl-"+clusterName+"-") {
			t.Errorf("namespaces left after cluster down:\n%s", out)
		}
	})
	if _, _, code := cli(t, home, "cluster", "up", "--name", clusterName, "--subnet", subnet, "--nodes", "5"); code != 0 {
		t.Fatalf("cluster up exited %d", code)
	}
	return home
}

type results struct {
	Verdict  string `json:"verdict"`
	Checkers map[string]struct {
		Verdict string `json:"verdict"`
		Summary string `json:"summary"`
	} `json:"checkers"`
}

func readResults(t *testing.T, dir string) results {
	t.Helper()
	var r results
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return r
}

// runDir extracts "run: DIR" from the CLI's stdout.
func runDir(t *testing.T, stdout string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "run: "); ok {
			return d
		}
	}
	t.Fatalf("no run directory in output:\n%s", stdout)
	return ""
}

// countOps counts client completions and nemesis ops in a history file.
func countOps(t *testing.T, path string) (client, okOps, nemesis int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var op struct {
			Process any    `json:"process"`
			Type    string `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &op); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if op.Process == "nemesis" {
			nemesis++
			continue
		}
		if op.Type != "invoke" {
			client++
		}
		if op.Type == "ok" {
			okOps++
		}
	}
	return
}

// TestRegister runs the correct Paxos register and the naive mode on a
// real namespace cluster under partitions and crashes: the first must be
// valid (exit 0), the second caught (exit 1).
func TestRegister(t *testing.T) {
	requireRoot(t)
	home := upCluster(t)
	store := t.TempDir()

	t.Run("paxos is linearizable under partition and kill", func(t *testing.T) {
		stdout, _, code := cli(t, home, "test", "--cluster", clusterName, "--store", store,
			"--target", "register", "--workload", "register", "--nemesis", "partition,kill",
			"--time-limit", "30s", "--nemesis-interval", "5s", "--seed", "1")
		dir := runDir(t, stdout)
		r := readResults(t, dir)
		if code != 0 || r.Verdict != "valid" {
			t.Fatalf("paxos register: exit %d, verdict %s (%+v); want 0, valid", code, r.Verdict, r.Checkers)
		}
		client, okOps, nem := countOps(t, filepath.Join(dir, "history.jsonl"))
		if okOps < 500 || nem < 4 {
			t.Errorf("history too thin: %d client completions, %d ok, %d nemesis ops", client, okOps, nem)
		}
		for _, f := range []string{"test.json", "faultline.log", "index.html", "timeline.html"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("run directory lacks %s", f)
			}
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "nodes", "*", "faultline-node.log"))
		if len(logs) != 5 {
			t.Errorf("node logs fetched: %d, want 5", len(logs))
		}
		// Mutation: the same history with timeouts classified as fail must
		// be caught whenever a timed-out write was later read — proving
		// that the info classification is what keeps this run valid.
		mutated, readBack := mutateInfoToFail(t, dir)
		_, _, mcode := cli(t, home, "analyze", mutated)
		if readBack > 0 && mcode != 1 {
			t.Errorf("%d timed-out writes were read back, yet calling them failed was not caught (exit %d)", readBack, mcode)
		}
		if readBack == 0 {
			t.Logf("no timed-out write was read back in this run: the mutation check had nothing to catch")
		}
	})

	t.Run("naive paxos is caught", func(t *testing.T) {
		stdout, _, code := cli(t, home, "test", "--cluster", clusterName, "--store", store,
			"--target", "register", "--mode", "naive", "--workload", "register", "--nemesis", "partition",
			"--time-limit", "30s", "--nemesis-interval", "5s", "--seed", "2")
		dir := runDir(t, stdout)
		r := readResults(t, dir)
		if code != 1 || r.Verdict != "invalid" {
			t.Fatalf("naive register: exit %d, verdict %s (%+v); want 1, invalid", code, r.Verdict, r.Checkers)
		}
	})

	t.Run("cluster heal leaves nothing", func(t *testing.T) {
		if _, _, code := cli(t, home, "cluster", "heal", "--cluster", clusterName); code != 0 {
			t.Fatalf("cluster heal exited %d", code)
		}
		for i := 1; i <= 5; i++ {
			ns := fmt.Sprintf("fl-%s-n%d", clusterName, i)
			out, _ := exec.Command("ip", "netns", "exec", ns, "iptables", "-w", "-S").CombinedOutput()
			if strings.Contains(string(out), "FAULTLINE") {
				t.Errorf("%s still has faultline rules:\n%s", ns, out)
			}
		}
	})
	_ = time.Second
}
