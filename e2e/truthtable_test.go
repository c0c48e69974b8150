package e2e

import (
	"strings"
	"testing"
)

// row is one line of docs/design.md's consistency truth table, run in the
// direction the table gives: exit code and, per checker, the verdict that
// must come out.
type row struct {
	name     string
	args     []string
	exit     int
	checkers map[string]string
}

// TestTruthTable runs every target mode of the truth table on a real
// namespace cluster under the faults that matter to it: each correct mode
// must pass and each deliberately unsafe mode must be caught, by the
// checker the table names.
func TestTruthTable(t *testing.T) {
	requireRoot(t)
	home := upCluster(t)
	store := t.TempDir()
	rows := []row{
		{"kv serial is linearizable and converges under partition,kill,pause,clock",
			[]string{"--target", "kv", "--mode", "serial", "--nemesis", "partition,kill,pause,clock", "--seed", "11"},
			0, map[string]string{"linearizable": "valid", "convergence": "valid"}},
		{"kv quorum is caught under clock skew",
			[]string{"--target", "kv", "--mode", "quorum", "--nemesis", "clock", "--seed", "12"},
			1, map[string]string{"linearizable": "invalid", "convergence": "valid"}},
		{"kv one is not linearizable but converges after partitions",
			[]string{"--target", "kv", "--mode", "one", "--nemesis", "partition", "--seed", "13"},
			1, map[string]string{"linearizable": "invalid", "convergence": "valid"}},
		{"kv one-no-repair does not converge",
			[]string{"--target", "kv", "--mode", "one-no-repair", "--nemesis", "partition", "--seed", "14"},
			1, map[string]string{"convergence": "invalid"}},
		{"kv session is not linearizable, keeps sequential consistency per key and converges under partition,kill",
			[]string{"--target", "kv", "--mode", "session", "--nemesis", "partition,kill", "--seed", "17"},
			1, map[string]string{"linearizable": "invalid", "sequential": "valid", "convergence": "valid"}},
		{"queue loses and duplicates nothing under partition,kill,pause",
			[]string{"--target", "queue", "--nemesis", "partition,kill,pause", "--seed", "15"},
			0, map[string]string{"total-queue": "valid", "linearizable": "valid"}},
		{"queue async-ack loses acknowledged messages under kill",
			[]string{"--target", "queue", "--mode", "async-ack", "--nemesis", "kill", "--seed", "16"},
			1, map[string]string{"total-queue": "invalid"}},
	}
	for _, r := range rows {
		t.Run(strings.ReplaceAll(r.name, " ", "_"), func(t *testing.T) {
			args := append([]string{"test", "--cluster", clusterName, "--store", store,
				"--time-limit", "25s", "--nemesis-interval", "4s"}, r.args...)
			stdout, _, code := cli(t, home, args...)
			res := readResults(t, runDir(t, stdout))
			for name, want := range r.checkers {
				if got := res.Checkers[name]; got.Verdict != want {
					t.Errorf("checker %s: %s (%s); want %s", name, got.Verdict, got.Summary, want)
				}
			}
			if code != r.exit {
				t.Errorf("exit %d, want %d (verdict %s)", code, r.exit, res.Verdict)
			}
			if f := res.Checkers["faults"]; f.Verdict != "valid" {
				t.Errorf("faults did not all take effect: %s", f.Summary)
			}
		})
	}
}
