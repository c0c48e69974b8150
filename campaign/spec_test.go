package campaign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeResolve knows two targets; it fills the default mode and workload.
func fakeResolve(c Cell) (Cell, error) {
	modes := map[string][]string{"register": {"paxos", "naive"}, "kv": {"serial", "quorum", "all", "one"}}
	wls := map[string][]string{"register": {"register"}, "kv": {"kv", "set"}}
	ms, ok := modes[c.Target]
	if !ok {
		return c, fmt.Errorf("target %q is unknown", c.Target)
	}
	if c.Mode == "" {
		c.Mode = ms[0]
	}
	if !slices.Contains(ms, c.Mode) {
		return c, fmt.Errorf("mode %q is not a mode of target %s", c.Mode, c.Target)
	}
	if c.Workload == "" {
		c.Workload = wls[c.Target][0]
	}
	if !slices.Contains(wls[c.Target], c.Workload) {
		return c, fmt.Errorf("workload %q does not run on %s", c.Workload, c.Target)
	}
	for _, n := range c.Nemeses {
		if !slices.Contains([]string{"partition", "kill", "clock", "pause"}, n) {
			return c, fmt.Errorf("nemesis %q is unknown", n)
		}
	}
	return c, nil
}

const goodSpec = `name: models
cluster: {name: camp, nodes: 5, subnet: 198.18.60.0/24}
defaults: {time_limit: 30s, nemesis_interval: 5s, concurrency: 4, rate: 100}
cells:
  - {target: register, mode: naive, nemesis: [partition], expect: invalid}
  - {target: register, nemesis: "partition,kill", seed: 7, time_limit: 10s}
matrix:
  - targets: [kv]
    modes: [one, serial]
    workloads: [kv, set]
    nemeses: [[partition], [clock, partition], none]
    seeds: [1, 2]
    repetitions: 2
    expect: {serial: valid, one: any}
`

func TestParseExpandsMatrix(t *testing.T) {
	s, err := Parse("models.yaml", []byte(goodSpec), fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "models" || s.Cluster.Name != "camp" || s.Cluster.Nodes != 5 {
		t.Fatalf("spec header: %+v", s)
	}
	// 2 explicit + 1 target * 2 modes * 2 workloads * 3 nemesis sets * 2 seeds * 2 reps.
	if want := 2 + 2*2*3*2*2; len(s.Cells) != want {
		t.Fatalf("%d cells, want %d", len(s.Cells), want)
	}
	c0 := s.Cells[0]
	if c0.ID != "register-naive-register-partition-s1" || c0.Expect != ExpectInvalid || c0.Line != 5 ||
		c0.Params.TimeLimit != 30*time.Second || c0.Params.Concurrency != 4 || c0.Params.Rate != 100 ||
		c0.Params.OpTimeout != 2*time.Second {
		t.Errorf("cell 0: %+v", c0)
	}
	c1 := s.Cells[1]
	if c1.Mode != "paxos" || c1.Seed != 7 || c1.Params.TimeLimit != 10*time.Second ||
		!slices.Equal(c1.Nemeses, []string{"partition", "kill"}) || c1.Expect != ExpectValid || c1.Line != 6 {
		t.Errorf("cell 1: %+v", c1)
	}
	// Order: targets, modes, workloads, nemeses, seeds, repetitions.
	wantIDs := []string{
		"kv-one-kv-partition-s1", "kv-one-kv-partition-s1-r2", "kv-one-kv-partition-s2", "kv-one-kv-partition-s2-r2",
		"kv-one-kv-clock_partition-s1",
	}
	for i, id := range wantIDs {
		if got := s.Cells[2+i].ID; got != id {
			t.Errorf("cell %d: id %s, want %s", 2+i, got, id)
		}
	}
	ex := map[string]Expect{}
	for _, c := range s.Cells[2:] {
		ex[c.Mode] = c.Expect
		if c.Line != 8 {
			t.Errorf("%s: line %d, want 8 (the matrix entry)", c.ID, c.Line)
		}
	}
	if ex["one"] != ExpectAny || ex["serial"] != ExpectValid {
		t.Errorf("per-mode expectations: %v", ex)
	}
	last := s.Cells[len(s.Cells)-1]
	if last.ID != "kv-serial-set-none-s2-r2" || len(last.Nemeses) != 0 {
		t.Errorf("last cell %+v", last)
	}
}

func TestParseRejectsBadSpecsWithLine(t *testing.T) {
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"unknown top field", "name: x\ncels: []\n", "x.yaml:2: unknown field \"cels\""},
		{"unknown cell field", "cells:\n  - target: register\n    nemesys: [kill]\n", "x.yaml:3: unknown field \"nemesys\""},
		{"unknown cluster field", "cluster: {nodez: 3}\ncells: [{target: register}]\n", "x.yaml:1: unknown field \"nodez\" in cluster"},
		{"duration without unit", "defaults:\n  time_limit: 60\ncells: [{target: register}]\n", "x.yaml:2: duration \"60\": write a number with a unit"},
		{"bad mode", "cells:\n  - {target: register}\n  - {target: register, mode: fast}\n", "x.yaml:3: mode \"fast\" is not a mode of target register"},
		{"bad nemesis in matrix", "matrix:\n  - targets: [kv]\n    nemeses: [[partition], [flood]]\n", "x.yaml:2: nemesis \"flood\" is unknown"},
		{"bad expect", "cells:\n  - target: register\n    expect: broken\n", "x.yaml:3: cells[0]: expect \"broken\": use valid, invalid, any or table"},
		{"expect names missing mode", "matrix:\n  - targets: [kv]\n    modes: [one]\n    expect: {serial: valid}\n", "x.yaml:4: matrix[0]: expect names mode \"serial\""},
		{"duplicate cell", "cells:\n  - {target: register}\n  - {target: register, mode: paxos}\n", "x.yaml:3: cell register-paxos-register-none-s1 is the same as the cell at line 2"},
		{"zero concurrency", "defaults: {concurrency: 0}\ncells: [{target: register}]\n", "x.yaml:1: defaults: concurrency 0: must be at least 1"},
		{"no cells", "name: x\n", "x.yaml: no cells"},
		{"no target", "cells:\n  - {mode: naive}\n", "x.yaml:2: cells[0]: no target"},
		{"seed and seeds", "cells:\n  - {target: register, seed: 1, seeds: [2]}\n", "x.yaml:2: cells[0]: give seed or seeds, not both"},
		{"wrong type", "defaults: {rate: fast}\ncells: [{target: register}]\n", "x.yaml:1: cannot unmarshal"},
		{"bad yaml", "cells: [\n", "x.yaml:"},
		{"zero repetitions", "matrix:\n  - {targets: [kv], repetitions: 0}\n", "x.yaml:2: matrix[0]: repetitions 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("dir/x.yaml", []byte(tc.spec), fakeResolve)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.spec)
			}
			if !errors.Is(err, ErrBadSpec) {
				t.Errorf("error does not wrap ErrBadSpec: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseNodesFileRelativeToSpec(t *testing.T) {
	s, err := Parse("campaigns/x.yaml", []byte("cluster: {nodes_file: hosts.yaml}\ncells: [{target: register}]\n"), fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.NodesFile != "campaigns/hosts.yaml" {
		t.Errorf("nodes file %q", s.Cluster.NodesFile)
	}
	if s.Name != "x" {
		t.Errorf("name %q, want the file's base name", s.Name)
	}
}

func TestNamedCellsWithSeeds(t *testing.T) {
	s, err := Parse("x.yaml", []byte("cells:\n  - {name: bug, target: register, seeds: [3, 4], repetitions: 2}\n"), fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range s.Cells {
		ids = append(ids, c.ID)
	}
	if want := []string{"bug-s3", "bug-s3-r2", "bug-s4", "bug-s4-r2"}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
}

// A small spec cannot ask for unbounded work: each bound is a one-line
// error naming the spec (before any expansion: the aliases are refused on
// the node tree, the cells counted as they are made).
func TestParseBoundsWork(t *testing.T) {
	laughs := "name: x\na: &a [" + strings.Repeat("x,", 10) + "x]\nb: &b [" + strings.Repeat("*a,", 10) + "*a]\ncells:\n  - {target: register}\n"
	bigNames := "[" + strings.Repeat("partition,", 100) + "kill]"
	for name, spec := range map[string]string{
		"aliases":         laughs,
		"second document": "name: x\ncells:\n  - {target: register}\n---\nname: y\n",
		"repetitions":     "name: x\ncells:\n  - {target: register, repetitions: 1000000000}\n",
		"cells":           "name: x\nmatrix:\n  - {targets: [register], seeds: [" + strings.TrimSuffix(strings.Repeat("1,", 0), ",") + "1], repetitions: 1000}\n  - {targets: [kv], modes: [a, b, c, d, e, f, g, h, i, j, k], repetitions: 1000}\n",
		"nemesis names":   "name: x\ncells:\n  - {target: register, nemesis: " + bigNames + "}\n",
		"size":            "name: x\n# " + strings.Repeat("x", MaxSpecSize) + "\ncells:\n  - {target: register}\n",
	} {
		_, err := Parse("spec.yaml", []byte(spec), nil)
		if err == nil || !strings.Contains(err.Error(), "spec.yaml") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line error naming spec.yaml", name, err)
		}
	}
}
