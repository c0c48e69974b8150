package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The examples' cluster: its own name and subnet.
const (
	examplesCluster = "e2ex"
	examplesSubnet  = "198.18.72.0/24"
)

// buildExample builds the Go module under examples/NAME into the test's
// binary directory: a module outside faultline's own, importing only its
// public packages.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(binDir, "faultline-"+name)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "examples", name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build examples/%s: %v\n%s", name, err, out)
	}
	return bin
}

// run runs a binary with FAULTLINE_HOME=home and returns stdout, stderr
// and the exit code.
func runBin(t *testing.T, bin, home string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FAULTLINE_HOME="+home)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", filepath.Base(bin), args, err)
	}
	t.Logf("%s %s -> exit %d\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), strings.Join(args, " "), code, lastLines(out.String(), 30), lastLines(errb.String(), 30))
	return out.String(), errb.String(), code
}

// campaignResults reads the campaign.json a campaign's stdout names.
func campaignResults(t *testing.T, stdout string) (dir string, res []struct {
	ID, Verdict, Expect, Why, Run string
	Met                           bool
}) {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if p, ok := strings.CutPrefix(l, "campaign: "); ok {
			dir = p
		}
	}
	if dir == "" {
		t.Fatal("no campaign directory in the output")
	}
	var sum struct {
		Results []struct {
			ID, Verdict, Expect, Why, Run string
			Met                           bool
		} `json:"results"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "campaign.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	return dir, sum.Results
}

// TestExamples builds each example under examples/ and runs it on a real
// namespace cluster, as a user would: Redis with Sentinel through its own
// binary (the public Go API) must be caught losing acknowledged writes.
func TestExamples(t *testing.T) {
	requireRoot(t)
	for _, p := range []string{"/usr/bin/redis-server", "/usr/bin/redis-sentinel"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s not installed (make setup installs the examples' packages)", p)
		}
	}
	redis := buildExample(t, "redis")
	home := t.TempDir()
	t.Cleanup(func() {
		if _, _, code := runBin(t, redis, home, "cluster", "down", "--name", examplesCluster); code != 0 {
			t.Errorf("cluster down exited %d", code)
		}
		out, _ := exec.Command("ip", "netns", "list").Output()
		if strings.Contains(string(out), "fl-"+examplesCluster+"-") {
			t.Errorf("namespaces left after cluster down:\n%s", out)
		}
	})
	// The example's own binary has every command: cluster too.
	if _, _, code := runBin(t, redis, home, "cluster", "up", "--name", examplesCluster, "--subnet", examplesSubnet, "--nodes", "5"); code != 0 {
		t.Fatalf("cluster up exited %d", code)
	}
	store := t.TempDir()

	t.Run("redis is listed beside the built-in targets", func(t *testing.T) {
		out, _, code := runBin(t, redis, home, "list")
		if code != 0 || !strings.Contains(out, "\n  redis: ") || !strings.Contains(out, "\n  register: ") {
			t.Fatalf("list: exit %d; want redis and the built-in targets listed", code)
		}
	})

	t.Run("redis with sentinel loses acknowledged writes", func(t *testing.T) {
		stdout, _, code := runBin(t, redis, home, "campaign", "../examples/redis/campaign.yaml", "--cluster", examplesCluster, "--store", store)
		dir, res := campaignResults(t, stdout)
		if code != 0 || len(res) != 2 {
			t.Fatalf("campaign: exit %d, %d results; want 0 and 2", code, len(res))
		}
		set := res[0]
		if !set.Met || set.Verdict != "invalid" {
			t.Fatalf("cell %s: verdict %s, met %v (%s); want the lost writes caught", set.ID, set.Verdict, set.Met, set.Why)
		}
		run := set.Run
		if !filepath.IsAbs(run) {
			run = filepath.Join(dir, run)
		}
		var r struct {
			Checkers map[string]struct {
				Verdict string         `json:"verdict"`
				Summary string         `json:"summary"`
				Details map[string]any `json:"details"`
			} `json:"checkers"`
		}
		b, err := os.ReadFile(filepath.Join(run, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if c := r.Checkers["set"]; c.Verdict != "invalid" || !strings.Contains(c.Summary, "lost") {
			t.Errorf("set checker: %s: %s; want the lost elements named", c.Verdict, c.Summary)
		}
		page, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil || !strings.Contains(string(page), "redis") {
			t.Errorf("the campaign page does not show the redis target (%v)", err)
		}
		for _, f := range []string{"redis-server.log", "redis-sentinel.log"} {
			if logs, _ := filepath.Glob(filepath.Join(run, "nodes", "*", f)); len(logs) != 5 {
				t.Errorf("%s fetched from %d nodes, want 5", f, len(logs))
			}
		}
	})

	t.Run("zookeeper through its target file passes and fails in the right directions", func(t *testing.T) {
		if _, err := os.Stat("/usr/share/java/zookeeper.jar"); err != nil {
			t.Skip("zookeeper not installed (make setup installs the examples' packages)")
		}
		fl := filepath.Join(binDir, "faultline")
		stdout, _, code := runBin(t, fl, home, "campaign", "../examples/zookeeper/campaign.yaml", "--cluster", examplesCluster, "--store", store)
		_, res := campaignResults(t, stdout)
		if code != 0 || len(res) != 2 {
			t.Fatalf("campaign: exit %d, %d results; want 0 and 2", code, len(res))
		}
		want := map[string]string{"zookeeper-sync-reads-register-partition_kill-s1": "valid", "zookeeper-plain-reads-register-partition-s1": "invalid"}
		for _, r := range res {
			if !r.Met || r.Verdict != want[r.ID] {
				t.Errorf("cell %s: verdict %s, met %v (%s); want %s", r.ID, r.Verdict, r.Met, r.Why, want[r.ID])
			}
		}
		out, _, code := runBin(t, fl, home, "list", "--target-file", "../examples/zookeeper/zookeeper.yaml")
		if code != 0 || !strings.Contains(out, "\n  zookeeper: ") {
			t.Errorf("list --target-file: exit %d; want zookeeper listed", code)
		}
	})

	t.Run("a target file that never becomes ready gives the node's log tail", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "never.yaml")
		os.WriteFile(file, []byte(`name: never
workloads: [register]
program: /bin/sh
start: ["-c", "echo never-ready-marker; exec sleep 600"]
ready: {tcp: "{{.Address}}:1", timeout: 3s}
client: {command: [/bin/cat]}
`), 0o644)
		fl := filepath.Join(binDir, "faultline")
		_, stderr, code := runBin(t, fl, home, "test", "--cluster", examplesCluster, "--store", store, "--target-file", file,
			"--nemesis", "none", "--time-limit", "5s")
		if code != 255 || !strings.Contains(stderr, "never-ready-marker") {
			t.Errorf("exit %d, stderr %q; want 255 and the log tail", code, lastLines(stderr, 5))
		}
		os.WriteFile(file, []byte("name: never\nworkloads: [register]\nprogram: /bin/sleep\nsupports: [pausee]\nclient: {command: [/bin/cat]}\n"), 0o644)
		_, stderr, code = runBin(t, fl, home, "test", "--cluster", examplesCluster, "--store", store, "--target-file", file)
		if code != 254 || !strings.Contains(stderr, "never.yaml:4") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("bad target file: exit %d, stderr %q; want 254 and one line naming never.yaml:4", code, stderr)
		}
	})
}
