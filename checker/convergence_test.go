package checker

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// TestConvergenceAndSetHistories checks testdata/{convergence,set}-*.jsonl;
// the expected verdict is in the name, the reason in testdata/README.md.
func TestConvergenceAndSetHistories(t *testing.T) {
	for _, c := range []struct {
		prefix  string
		checker Checker
	}{{"convergence", Convergence{}}, {"set", Set{}}} {
		files, err := filepath.Glob("testdata/" + c.prefix + "-*.jsonl")
		if err != nil || len(files) < 8 {
			t.Fatalf("%s: found %d histories (%v)", c.prefix, len(files), err)
		}
		var ok, bad int
		for _, f := range files {
			name := filepath.Base(f)
			want := Valid
			switch {
			case strings.HasPrefix(name, c.prefix+"-ok-"):
				ok++
			case strings.HasPrefix(name, c.prefix+"-bad-"):
				want = Invalid
				bad++
			default:
				t.Fatalf("%s: name says neither ok nor bad", name)
			}
			t.Run(name, func(t *testing.T) {
				h, err := history.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				res := c.checker.Check(context.Background(), h)
				if res.Verdict != want {
					t.Fatalf("verdict %s, want %s: %s (%v)", res.Verdict, want, res.Summary, res.Details)
				}
			})
		}
		if ok == 0 || bad == 0 {
			t.Fatalf("%s: %d ok and %d bad histories: need both", c.prefix, ok, bad)
		}
	}
}

func checkFile(t *testing.T, c Checker, name string) Result {
	t.Helper()
	h, err := history.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return c.Check(context.Background(), h)
}

func TestConvergenceDetails(t *testing.T) {
	res := checkFile(t, Convergence{}, "convergence-bad-one-key-of-two.jsonl")
	if d := res.Details["divergent"].([]string); !slices.Equal(d, []string{"k1"}) || !strings.Contains(res.Summary, `"k1"`) {
		t.Fatalf("divergent %v, summary %q", d, res.Summary)
	}
	if res.Details["time_to_converge_ms"] != nil {
		t.Fatalf("a history that never converged has a time to converge: %v", res.Details["time_to_converge_ms"])
	}
	res = checkFile(t, Convergence{}, "convergence-bad-set-lost-ack.jsonl")
	if res.Details["lost_count"] != 1 || !slices.Equal(res.Details["lost"].(map[string][]int64)["s0"], []int64{2}) {
		t.Fatalf("lost %v", res.Details)
	}
	res = checkFile(t, Convergence{}, "convergence-bad-set-unexpected.jsonl")
	if res.Details["unexpected_count"] != 1 || !slices.Equal(res.Details["unexpected"].(map[string][]int64)["s0"], []int64{9}) {
		t.Fatalf("unexpected %v", res.Details)
	}
	// k0 agrees in round 1, whose last read completes at index 27 (time
	// 270); the heal completed at index 9 (time 90): 180 ns.
	res = checkFile(t, Convergence{}, "convergence-ok-02-kv-converges-later.jsonl")
	if got := res.Details["time_to_converge_ms"]; got != 180e-6 {
		t.Fatalf("time to converge %v ms, want 0.00018", got)
	}
	if by := res.Details["converge_ms_by_key"].(map[string]float64); by["k1"] != 120e-6 {
		t.Fatalf("by key %v", by)
	}
}

func TestConvergenceUnknown(t *testing.T) {
	h, err := history.ReadFile("testdata/register-ok-01-sequential.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if res := (Convergence{}).Check(context.Background(), h); res.Verdict != Unknown || !strings.Contains(res.Summary, "no final reads") {
		t.Fatalf("no final reads: %+v", res)
	}
	// The last round has a failed read: agreement cannot be shown.
	h, err = history.ReadFile("testdata/convergence-ok-04-failed-read-then-agree.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	cut := h[:len(h)-4] // drop round 1
	if res := (Convergence{}).Check(context.Background(), cut); res.Verdict != Unknown || !strings.Contains(res.Summary, "failed") {
		t.Fatalf("failed last round: %+v", res)
	}
	// A final read without a round is bad input, never valid.
	bad := append(history.History{}, h...)
	bad[len(bad)-2].Value = nil
	if res := (Convergence{}).Check(context.Background(), bad); res.Verdict != Unknown {
		t.Fatalf("roundless final read: %+v", res)
	}
}

func TestSetDetails(t *testing.T) {
	res := checkFile(t, Set{}, "set-ok-04-stale-read-counted.jsonl")
	if res.Details["stale_reads"] != 1 || res.Details["stale_count"] != 1 || !slices.Equal(res.Details["stale"].([]string), []string{"s0:1"}) {
		t.Fatalf("stale %v", res.Details)
	}
	res = checkFile(t, Set{}, "set-bad-lost-then-back.jsonl")
	if res.Details["lost_count"] != 1 || res.Details["reappeared_count"] != 1 || !strings.Contains(res.Summary, "s0:1") {
		t.Fatalf("lost then back: %q %v", res.Summary, res.Details)
	}
	res = checkFile(t, Set{}, "set-bad-missing-at-final.jsonl")
	if res.Details["missing_at_final_count"] != 1 || res.Details["lost_count"] != 0 {
		t.Fatalf("missing at final: %v", res.Details)
	}
	res = checkFile(t, Set{}, "set-ok-01-sequential.jsonl")
	if res.Details["ok_count"] != 2 || res.Details["stale_reads"] != 0 {
		t.Fatalf("ok: %v", res.Details)
	}
	// Only adds, no reads: unknown, never valid.
	h, _ := history.ReadFile("testdata/set-ok-01-sequential.jsonl")
	if res := (Set{}).Check(context.Background(), h[:4]); res.Verdict != Unknown {
		t.Fatalf("no reads: %+v", res)
	}
}

// TestLinearizableIgnoresFinalReads: the final phase's local reads are not
// client ops of the model; a kv history that has them is still checked.
func TestLinearizableIgnoresFinalReads(t *testing.T) {
	h, err := history.ReadFile("testdata/convergence-bad-kv-diverged.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	res := Linearizable{Model: CASRegister()}.Check(context.Background(), h)
	if res.Verdict != Valid {
		t.Fatalf("%+v", res)
	}
}
