package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/campaign"
)

// parseCampaign parses "faultline campaign ARGS" with the real root and
// returns the options and globals runCampaign would get.
func parseCampaign(t *testing.T, args ...string) (*campaignOptions, *globals, error) {
	t.Helper()
	var got *campaignOptions
	var gotG *globals
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	root := newRootCmd(g)
	old, _, err := root.Find([]string{"campaign"})
	if err != nil || old.Name() != "campaign" {
		t.Fatalf("no campaign command: %v", err)
	}
	root.RemoveCommand(old)
	root.AddCommand(newCampaignCmd(g, func(_ context.Context, g *globals, o *campaignOptions) error {
		cp, cg := *o, *g
		got, gotG = &cp, &cg
		return nil
	}))
	root.SetArgs(append([]string{"campaign"}, args...))
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return got, gotG, root.Execute()
}

func TestCampaignFlags(t *testing.T) {
	o, g, err := parseCampaign(t, "campaigns/x.yaml", "--cluster", "camp", "--time-limit", "15s", "--rate", "0")
	if err != nil {
		t.Fatal(err)
	}
	if o.spec != "campaigns/x.yaml" || g.clusterName != "camp" || o.timeLimit != 15*time.Second || o.rate != 0 {
		t.Errorf("options %+v, cluster %s", o, g.clusterName)
	}
	for _, f := range []string{"cluster", "time-limit", "rate"} {
		if !o.set[f] {
			t.Errorf("flag %s given but not marked set: %v", f, o.set)
		}
	}
	if o.set["concurrency"] || o.set["nemesis-interval"] {
		t.Errorf("flags not given are marked set: %v", o.set)
	}
	if _, _, err := parseCampaign(t); exitCode(err) != ExitBadInput {
		t.Errorf("no spec: %v (exit %d), want 254", err, exitCode(err))
	}
}

func writeSpec(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCampaignBadSpecIsBadInput(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"cells:\n  - {target: register, mode: fast}\n", `spec.yaml:2: mode "fast" is not a mode of target register (modes: paxos, naive)`},
		{"cells:\n  - {target: kv, workload: queue}\n", "spec.yaml:2: workload queue does not run on target kv"},
		{"matrix:\n  - targets: [queue]\n    nemeses: [[partition, flood]]\n", `spec.yaml:2: nemesis "flood" is unknown`},
		{"cells:\n  - {target: register, expect: maybe}\n", `spec.yaml:2: cells[0]: expect "maybe": use valid, invalid, any or table`},
	} {
		var stderr bytes.Buffer
		code := Main([]string{"campaign", writeSpec(t, tc.spec)}, io.Discard, &stderr)
		if code != ExitBadInput || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("spec %q: exit %d, stderr %q; want 254 and %q", tc.spec, code, stderr.String(), tc.want)
		}
		if strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
			t.Errorf("error is not one line: %q", stderr.String())
		}
	}
}

func TestCampaignOverridesApplyToEveryCell(t *testing.T) {
	p := writeSpec(t, "defaults: {time_limit: 60s}\ncells:\n  - {target: register, time_limit: 90s}\n  - {target: queue}\n")
	s, err := loadSpec(&globals{}, p, &campaignOptions{timeLimit: 5 * time.Second, concurrency: 3, set: map[string]bool{"time-limit": true, "concurrency": true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Cells {
		if c.Params.TimeLimit != 5*time.Second || c.Params.Concurrency != 3 || c.Params.Rate != 200 {
			t.Errorf("%s: params %+v", c.ID, c.Params)
		}
	}
	if s.Cells[1].Mode != "paxos" || s.Cells[1].Workload != "queue" {
		t.Errorf("defaults not resolved: %+v", s.Cells[1])
	}
	if _, err := loadSpec(&globals{}, p, &campaignOptions{set: map[string]bool{"concurrency": true}}); exitCode(err) != ExitBadInput {
		t.Errorf("--concurrency 0: %v", err)
	}
}

func TestShippedSpecsParse(t *testing.T) {
	specs, _ := filepath.Glob("../campaigns/*.yaml")
	if len(specs) < 4 {
		t.Fatalf("found %d shipped specs, want nightly, consistency-models, known-bugs and known-bugs-smoke", len(specs))
	}
	for _, p := range specs {
		s, err := loadSpec(&globals{}, p, nil)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, c := range s.Cells {
			switch {
			case strings.HasPrefix(s.Name, "known-bugs") && c.Expect != "invalid":
				t.Errorf("%s: %s expects %s; every known bug must be expected invalid", p, c.ID, c.Expect)
			case s.Name == "nightly" && c.Expect != "valid":
				t.Errorf("%s: %s expects %s; nightly must pass", p, c.ID, c.Expect)
			}
		}
	}
}

func runPlanArgs(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"plan"}, args...), &out, &errb)
	if code != 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return out.String(), code
}

func TestPlanIsDeterministic(t *testing.T) {
	args := []string{"--seed", "7", "--nemesis", "partition,kill", "--time-limit", "60s", "--nemesis-interval", "10s"}
	a, code := runPlanArgs(t, args...)
	b, _ := runPlanArgs(t, args...)
	if code != 0 || a != b {
		t.Fatalf("exit %d; the same seed gave\n%s\nand\n%s", code, a, b)
	}
	if !strings.Contains(a, "start-partition") && !strings.Contains(a, "kill") {
		t.Errorf("no fault scheduled:\n%s", a)
	}
	c, _ := runPlanArgs(t, "--seed", "8", "--nemesis", "partition,kill", "--time-limit", "60s", "--nemesis-interval", "10s")
	if c == a {
		t.Errorf("seeds 7 and 8 gave the same schedule:\n%s", a)
	}
	if _, code := runPlanArgs(t, "--nemesis", "flood"); code != ExitBadInput {
		t.Errorf("unknown nemesis: exit %d", code)
	}
}

func TestPlanOfSpecListsEveryCell(t *testing.T) {
	p := writeSpec(t, "cells:\n  - {target: register, nemesis: [partition], seed: 3}\n  - {target: kv, nemesis: [], seed: 4}\n")
	a, code := runPlanArgs(t, p, "--time-limit", "40s")
	b, _ := runPlanArgs(t, p, "--time-limit", "40s")
	if code != 0 || a != b {
		t.Fatalf("exit %d, or not deterministic", code)
	}
	for _, want := range []string{"## register-paxos-register-partition-s3 (line 2)", "start-partition", "## kv-serial-kv-none-s4 (line 3)", "(no faults scheduled)", "time limit 40s"} {
		if !strings.Contains(a, want) {
			t.Errorf("plan lacks %q:\n%s", want, a)
		}
	}
}

// expect: table reads each cell's expectation from its mode's place in the
// truth table: safe modes must pass, unsafe ones must be caught under
// faults and are only compared without them.
func TestExpectTable(t *testing.T) {
	spec := []byte(`name: table
matrix:
  - targets: [register]
    modes: [paxos, naive]
    workloads: [register]
    nemeses: [[partition], []]
    expect: table
`)
	s, err := campaign.Parse("t.yaml", spec, defaultRegistry().resolveCell)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]campaign.Expect{
		"paxos/partition": campaign.ExpectValid, "paxos/": campaign.ExpectValid,
		"naive/partition": campaign.ExpectInvalid, "naive/": campaign.ExpectAny,
	}
	if len(s.Cells) != len(want) {
		t.Fatalf("%d cells, want %d", len(s.Cells), len(want))
	}
	for _, c := range s.Cells {
		k := c.Mode + "/" + strings.Join(c.Nemeses, ",")
		if c.Expect != want[k] {
			t.Errorf("cell %s: expect %s, want %s", k, c.Expect, want[k])
		}
	}
	if _, err := campaign.Parse("t.yaml", spec, nil); err == nil || !strings.Contains(err.Error(), "truth table") {
		t.Errorf("expect: table without a registry: %v, want an error naming the truth table", err)
	}
}

// modes: all expands to every mode the target declares, in order (modes:
// [all] would be kv's mode called all).
func TestMatrixAllModes(t *testing.T) {
	spec := []byte(`name: all
matrix:
  - targets: [register, kv]
    modes: all
    nemeses: [[partition]]
    expect: table
`)
	reg := defaultRegistry()
	s, err := campaign.ParseWith("t.yaml", spec, campaign.Registry{Resolve: reg.resolveCell, Modes: reg.modesOf})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range s.Cells {
		got = append(got, c.Target+"/"+c.Mode+"="+string(c.Expect))
	}
	want := []string{"register/paxos=valid", "register/naive=invalid",
		"kv/serial=valid", "kv/quorum=invalid", "kv/all=invalid", "kv/one=invalid", "kv/one-no-repair=invalid", "kv/session=invalid"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cells %v\nwant  %v", got, want)
	}
	if _, err := campaign.Parse("t.yaml", spec, reg.resolveCell); err == nil || !strings.Contains(err.Error(), "modes: all") {
		t.Errorf("modes: all without the modes: %v", err)
	}
}
