package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// startTest starts `faultline test` in the background and returns the
// command and the store directory.
func startTest(t *testing.T, home string, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	store := t.TempDir()
	args = append([]string{"test", "--cluster", clusterName, "--store", store}, args...)
	cmd := exec.Command(filepath.Join(binDir, "faultline"), args...)
	cmd.Env = append(os.Environ(), "FAULTLINE_HOME="+home)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, store, out
}

// waitPartition polls the newest run's history until a start-partition
// has completed ok, and returns the run directory.
func waitPartition(t *testing.T, store string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		dir, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
		if err == nil {
			b, _ := os.ReadFile(filepath.Join(dir, "history.jsonl"))
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, `"f":"start-partition"`) && strings.Contains(line, `"type":"ok"`) {
					return dir
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no partition started within %s", limit)
	return ""
}

// faultlineRules returns the nodes whose firewall still holds faultline's chain.
func faultlineRules(t *testing.T) []string {
	t.Helper()
	var dirty []string
	for i := 1; i <= 5; i++ {
		ns := fmt.Sprintf("fl-%s-n%d", clusterName, i)
		out, err := exec.Command("ip", "netns", "exec", ns, "iptables", "-w", "-S").CombinedOutput()
		if err != nil {
			t.Fatalf("iptables in %s: %v\n%s", ns, err, out)
		}
		if strings.Contains(string(out), "FAULTLINE") {
			dirty = append(dirty, ns)
		}
	}
	return dirty
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// faultlineProcs lists what faultline left on the nodes: stopped processes
// and faultline-node daemons, by node namespace.
func faultlineProcs(t *testing.T) (stopped, daemons []string) {
	t.Helper()
	for i := 1; i <= 5; i++ {
		ns := fmt.Sprintf("fl-%s-n%d", clusterName, i)
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, pid := range strings.Fields(string(out)) {
			stat, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil {
				continue
			}
			cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			st := string(stat)
			if k := strings.LastIndexByte(st, ')'); k > 0 && k+2 < len(st) && (st[k+2] == 'T' || st[k+2] == 't') {
				stopped = append(stopped, ns+":"+pid)
			}
			if argv0, _, _ := strings.Cut(string(cmd), "\x00"); strings.HasSuffix(argv0, "/faultline-node") {
				daemons = append(daemons, ns+":"+pid)
			}
		}
	}
	return
}

// TestControllerKilled SIGKILLs the controller at three points of a run —
// during setup, mid-workload with a fault active, and during the final
// phase. Each time the history on disk must be a readable prefix (at most
// about a second behind mid-workload), cluster heal must remove every fault
// and leftover daemon, and the next test must start clean and pass.
func TestControllerKilled(t *testing.T) {
	requireRoot(t)
	home := upCluster(t)
	cases := []struct {
		name  string
		args  []string
		ready func(out, store string) bool
		lag   bool
	}{
		{"during setup", []string{"--nemesis", "partition", "--time-limit", "30s", "--seed", "31"},
			func(out, _ string) bool { return strings.Contains(out, "setup: deploying") }, false},
		{"mid-workload with a fault active", []string{"--nemesis", "partition,pause", "--time-limit", "60s",
			"--nemesis-interval", "3s", "--seed", "3"},
			func(_, store string) bool { return faultActive(store) }, true},
		{"during the final phase", []string{"--target", "kv", "--mode", "one", "--nemesis", "partition",
			"--time-limit", "8s", "--nemesis-interval", "2s", "--seed", "33"},
			func(out, _ string) bool { return strings.Contains(out, "final: ") }, false},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			cmd, store, out := startTest(t, home, tc.args...)
			deadline := time.Now().Add(60 * time.Second)
			for !tc.ready(out.String(), store) {
				if time.Now().After(deadline) {
					t.Fatalf("the run never reached the kill point:\n%s", lastLines(out.String(), 20))
				}
				time.Sleep(50 * time.Millisecond)
			}
			if tc.lag {
				time.Sleep(1500 * time.Millisecond) // ops flowing under the fault
			}
			dir, _ := filepath.EvalSymlinks(filepath.Join(store, "latest"))
			var cfg struct {
				Start time.Time `json:"start"`
			}
			if b, err := os.ReadFile(filepath.Join(dir, "test.json")); err == nil {
				json.Unmarshal(b, &cfg)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killedAt := time.Since(cfg.Start)
			cmd.Wait()
			t.Logf("controller output before SIGKILL:\n%s", lastLines(out.String(), 12))

			h, err := history.ReadFile(filepath.Join(dir, "history.jsonl"))
			if err != nil {
				t.Fatalf("history after SIGKILL is not readable: %v", err)
			}
			if tc.lag {
				if len(h) < 100 {
					t.Fatalf("history after SIGKILL holds only %d ops", len(h))
				}
				last := time.Duration(h[len(h)-1].Time)
				if lag := killedAt - last; lag > 1500*time.Millisecond {
					t.Errorf("history on disk ends %s before the kill (last op at %s, killed at %s); want at most about 1s", lag, last, killedAt)
				}
				rules := faultlineRules(t)
				stopped, _ := faultlineProcs(t)
				if len(rules) == 0 && len(stopped) == 0 {
					t.Fatalf("no fault was active at the kill: the test proves nothing")
				}
			}
			if _, _, code := cli(t, home, "cluster", "heal", "--cluster", clusterName); code != 0 {
				t.Fatalf("cluster heal exited %d", code)
			}
			if dirty := faultlineRules(t); len(dirty) > 0 {
				t.Errorf("faultline rules left after cluster heal on %v", dirty)
			}
			if stopped, daemons := faultlineProcs(t); len(stopped)+len(daemons) > 0 {
				t.Errorf("after cluster heal: stopped %v, leftover daemons %v", stopped, daemons)
			}
			stdout, _, code := cli(t, home, "test", "--cluster", clusterName, "--store", store,
				"--nemesis", "none", "--time-limit", "5s", "--seed", "4")
			if code != 0 {
				t.Fatalf("the next test after a killed controller exited %d, want 0\n%s", code, stdout)
			}
		})
	}
}

// faultActive reports whether the newest run's history shows a partition
// or a pause in force (started ok, not yet stopped).
func faultActive(store string) bool {
	dir, err := filepath.EvalSymlinks(filepath.Join(store, "latest"))
	if err != nil {
		return false
	}
	b, _ := os.ReadFile(filepath.Join(dir, "history.jsonl"))
	active := false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, `"process":"nemesis"`) {
			continue
		}
		switch {
		case strings.Contains(line, `"type":"ok"`) && (strings.Contains(line, `"f":"start-partition"`) || strings.Contains(line, `"f":"pause"`)):
			active = true
		case strings.Contains(line, `"type":"invoke"`) && (strings.Contains(line, `"f":"stop-partition"`) || strings.Contains(line, `"f":"resume"`)):
			active = false
		}
	}
	return active
}

// TestInterrupted sends SIGINT mid-run with a partition active: the
// controller heals, checks the partial history, writes results.json and
// exits 2 (an interrupted run cannot pass), leaving no fault behind.
func TestInterrupted(t *testing.T) {
	requireRoot(t)
	home := upCluster(t)
	cmd, store, out := startTest(t, home, "--nemesis", "partition", "--time-limit", "60s",
		"--nemesis-interval", "3s", "--seed", "5")
	dir := waitPartition(t, store, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("controller still running 60 s after SIGINT\n%s", out.String())
	}
	code := cmd.ProcessState.ExitCode()
	t.Logf("output:\n%s", lastLines(out.String(), 20))
	if code != 2 {
		t.Errorf("interrupted run exited %d, want 2 (unknown)", code)
	}
	r := readResults(t, dir)
	if r.Verdict != "unknown" {
		t.Errorf("interrupted run verdict %s, want unknown", r.Verdict)
	}
	if dirty := faultlineRules(t); len(dirty) > 0 {
		t.Errorf("faultline rules left after SIGINT on %v", dirty)
	}
}
