package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/faultline/faultline/rundir"
)

// ErrBadSpec is wrapped by every error about a spec's content.
var ErrBadSpec = errors.New("campaign: bad spec")

// Spec is a parsed, expanded campaign.
type Spec struct {
	Name    string
	File    string // the spec's path, as given
	Cluster Cluster
	// TargetFiles are declarative targets the cells may name, relative to
	// the spec file (see TargetFiles): the CLI registers them before the
	// cells are resolved.
	TargetFiles []string
	Cells       []Cell // explicit cells first, then each matrix's, in order
}

// Cluster says where the cells run: a local namespace cluster (brought up
// when missing) or the nodes of a nodes file. NodesFile, when set, wins and
// is relative to the spec file.
type Cluster struct {
	Name      string `yaml:"name" json:"name,omitempty"`
	Nodes     int    `yaml:"nodes" json:"nodes,omitempty"`
	Subnet    string `yaml:"subnet" json:"subnet,omitempty"`
	NodesFile string `yaml:"nodes_file" json:"nodes_file,omitempty"`
}

// Params are the run settings a cell inherits from the spec's defaults.
type Params struct {
	TimeLimit       time.Duration `json:"time_limit"`
	NemesisInterval time.Duration `json:"nemesis_interval"`
	OpTimeout       time.Duration `json:"op_timeout"`
	Recovery        time.Duration `json:"recovery"`
	CheckTimeout    time.Duration `json:"check_timeout"`
	Concurrency     int           `json:"concurrency"`
	Rate            float64       `json:"rate"`
}

// DefaultParams are faultline test's own defaults.
func DefaultParams() Params {
	return Params{TimeLimit: 60 * time.Second, NemesisInterval: 10 * time.Second, OpTimeout: 2 * time.Second,
		Recovery: 2 * time.Second, CheckTimeout: 60 * time.Second, Concurrency: 10, Rate: 200}
}

// Expect is what a cell's verdict must be.
type Expect string

const (
	ExpectValid   Expect = "valid"   // no anomaly may be found (the default)
	ExpectInvalid Expect = "invalid" // a deliberately unsafe configuration: the anomaly must be caught
	ExpectAny     Expect = "any"     // compared, never judged (a harness error still fails)
	// ExpectTable takes the expectation from the mode's place in the truth
	// table, which the target declares: Resolve replaces it with valid,
	// invalid or any (see the CLI's resolveCell).
	ExpectTable Expect = "table"
)

// Cell is one run of a campaign.
type Cell struct {
	ID         string   `json:"id"` // unique in the campaign; also the run's test name
	Target     string   `json:"target"`
	Mode       string   `json:"mode"`
	Workload   string   `json:"workload"`
	Nemeses    []string `json:"nemeses"` // empty: no faults
	Seed       int64    `json:"seed"`
	Repetition int      `json:"repetition"` // 1-based
	Expect     Expect   `json:"expect"`
	Params     Params   `json:"params"`
	Line       int      `json:"line"` // the spec line the cell came from
}

// NemesisLabel is the cell's nemesis set as on the command line ("none"
// when empty).
func (c Cell) NemesisLabel() string {
	if len(c.Nemeses) == 0 {
		return "none"
	}
	return strings.Join(c.Nemeses, ",")
}

// Resolve validates a cell's target, mode, workload and nemeses against the
// registries and fills the defaults (an empty mode or workload is the
// target's first). The cli supplies it; Parse reports its error at the
// cell's line.
type Resolve func(c Cell) (Cell, error)

// Load reads and parses a spec file.
func Load(path string, resolve Resolve) (*Spec, error) {
	return LoadWith(path, Registry{Resolve: resolve})
}

// Registry is what a spec is checked against: Resolve for each cell, and
// Modes, when set, for a matrix's `modes: [all]` (every mode a target
// declares, in order; false for an unknown target).
type Registry struct {
	Resolve Resolve
	Modes   func(target string) ([]string, bool)
}

// LoadWith is Load against a whole registry.
func LoadWith(path string, reg Registry) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSpec, err)
	}
	return ParseWith(path, b, reg)
}

// AllModes, as a matrix's modes (modes: all, a word, not a list), stands
// for every mode of each target; modes: [all] is the mode called all.
const AllModes = "all"

// modeList is a matrix's modes: a list of names, or the word all.
type modeList struct {
	names []string
	all   bool
}

func (l *modeList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != AllModes {
			return fmt.Errorf("line %d: modes: give a list of modes, e.g. [serial, one], or the word all", n.Line)
		}
		l.all = true
		return nil
	}
	return n.Decode(&l.names)
}

// The YAML shapes. Durations are strings with a unit.

type rawParams struct {
	TimeLimit       *duration `yaml:"time_limit"`
	NemesisInterval *duration `yaml:"nemesis_interval"`
	OpTimeout       *duration `yaml:"op_timeout"`
	Recovery        *duration `yaml:"recovery"`
	CheckTimeout    *duration `yaml:"check_timeout"`
	Concurrency     *int      `yaml:"concurrency"`
	Rate            *float64  `yaml:"rate"`
	Seeds           []int64   `yaml:"seeds"`
	Repetitions     *int      `yaml:"repetitions"`
}

type rawCell struct {
	Name      string     `yaml:"name"`
	Target    string     `yaml:"target"`
	Mode      string     `yaml:"mode"`
	Workload  string     `yaml:"workload"`
	Nemesis   nemesisSet `yaml:"nemesis"`
	Seed      *int64     `yaml:"seed"`
	Expect    string     `yaml:"expect"`
	rawParams `yaml:",inline"`
}

type rawMatrix struct {
	Targets   []string     `yaml:"targets"`
	Modes     modeList     `yaml:"modes"`
	Workloads []string     `yaml:"workloads"`
	Nemeses   []nemesisSet `yaml:"nemeses"`
	Expect    expectMap    `yaml:"expect"`
	rawParams `yaml:",inline"`
}

type rawSpec struct {
	Name        string      `yaml:"name"`
	TargetFiles []string    `yaml:"target_files"`
	Cluster     Cluster     `yaml:"cluster"`
	Defaults    rawParams   `yaml:"defaults"`
	Cells       []rawCell   `yaml:"cells"`
	Matrix      []rawMatrix `yaml:"matrix"`
}

// duration is a time.Duration that must be written with a unit ("60s").
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: duration %q: write a number with a unit, e.g. 30s or 2m", n.Line, n.Value)
	}
	*d = duration(v)
	return nil
}

// nemesisSet is a list of nemesis names: [partition, kill], "partition,kill",
// "none" or [].
type nemesisSet []string

func (s *nemesisSet) UnmarshalYAML(n *yaml.Node) error {
	var names []string
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			break
		}
		for _, f := range strings.Split(n.Value, ",") {
			if f = strings.TrimSpace(f); f != "" {
				names = append(names, f)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a nemesis set lists names, e.g. [partition, kill]", c.Line)
			}
			names = append(names, c.Value)
		}
	default:
		return fmt.Errorf("line %d: a nemesis set is a list of names, e.g. [partition, kill], or none", n.Line)
	}
	if len(names) > maxNemesisNames {
		return fmt.Errorf("line %d: a nemesis set of %d names: at most %d (there are only a few nemeses)", n.Line, len(names), maxNemesisNames)
	}
	out := nemesisSet{}
	for _, f := range names {
		if f == "none" {
			continue
		}
		dup := false
		for _, g := range out {
			dup = dup || g == f
		}
		if !dup {
			out = append(out, f)
		}
	}
	*s = out
	return nil
}

// expectMap is a matrix's expectation: one verdict for every cell
// ("invalid") or one per mode ({serial: valid, one: any}).
type expectMap struct {
	all    string
	byMode map[string]string
	line   int
}

func (e *expectMap) UnmarshalYAML(n *yaml.Node) error {
	e.line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		e.all = n.Value
		return nil
	case yaml.MappingNode:
		e.byMode = map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: expect.%s: give a verdict (valid, invalid or any)", v.Line, k.Value)
			}
			e.byMode[k.Value] = v.Value
		}
		return nil
	}
	return fmt.Errorf("line %d: expect: give a verdict (valid, invalid or any) or a map of mode to verdict, e.g. {serial: valid}", n.Line)
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?(?:unmarshal errors:\n\s*)?line (\d+): (.*)$`)

// Bounds on what a spec may ask for: a spec is small input that can ask
// for unbounded work, so each count has a limit and a one-line error.
const (
	MaxSpecSize     = 1 << 20 // bytes
	MaxCells        = 10_000  // cells after expansion
	MaxRepetitions  = 1_000   // per cell or matrix
	maxNemesisNames = 64      // names in one nemesis set
)

// aliasLine returns the line of the first alias or anchor in n, or 0.
func aliasLine(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return max(n.Line, 1)
	}
	for _, c := range n.Content {
		if l := aliasLine(c); l > 0 {
			return l
		}
	}
	return 0
}

// Parse parses a spec. file names it in errors and anchors a relative
// nodes_file.
func Parse(file string, data []byte, resolve Resolve) (*Spec, error) {
	return ParseWith(file, data, Registry{Resolve: resolve})
}

// ParseWith is Parse against a whole registry.
func ParseWith(file string, data []byte, reg Registry) (*Spec, error) {
	resolve := reg.Resolve
	base := filepath.Base(file)
	fail := func(line int, format string, args ...any) error {
		loc := base
		if line > 0 {
			loc = fmt.Sprintf("%s:%d", base, line)
		}
		return fmt.Errorf("%w: %s: %s", ErrBadSpec, loc, strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " "))
	}
	if len(data) > MaxSpecSize {
		return nil, fail(0, "the spec is %d bytes: at most %d (a campaign is a few matrices; generate cells with matrix:, not by hand)", len(data), MaxSpecSize)
	}
	// The node tree first: it does not expand aliases, so a spec built of
	// aliases (a "billion laughs") is refused before anything expands it.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(base, err)
	}
	if line := aliasLine(&root); line > 0 {
		return nil, fail(line, "YAML anchors and aliases are not accepted in a campaign spec: write the values out, or use defaults: and matrix:")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var raw rawSpec
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(0, "empty spec: give at least a name and cells or a matrix (see docs/campaigns.md)")
		}
		return nil, yamlError(base, err)
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return nil, fail(second.Line, "a second YAML document (after ---): a spec is one document; put the other campaign in its own file")
	}
	s := &Spec{Name: raw.Name, File: file, Cluster: raw.Cluster, TargetFiles: resolveFiles(file, raw.TargetFiles)}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if !rundir.ValidName(s.Name) {
		return nil, fail(lineOf(&root, "name"), "name %q: use letters, digits, '.', '_' and '-'", s.Name)
	}
	if s.Cluster.NodesFile != "" && !filepath.IsAbs(s.Cluster.NodesFile) {
		s.Cluster.NodesFile = filepath.Join(filepath.Dir(file), s.Cluster.NodesFile)
	}
	if s.Cluster.Nodes < 0 || s.Cluster.Nodes > 200 {
		return nil, fail(lineOf(&root, "cluster", "nodes"), "cluster.nodes %d: must be between 1 and 200", s.Cluster.Nodes)
	}
	defaults, err := raw.Defaults.apply(DefaultParams())
	if err != nil {
		return nil, fail(lineOf(&root, "defaults"), "defaults: %v", err)
	}
	defSeeds, defReps := raw.Defaults.Seeds, 1
	if raw.Defaults.Repetitions != nil {
		defReps = *raw.Defaults.Repetitions
	}
	if len(defSeeds) == 0 {
		defSeeds = []int64{1}
	}
	if len(raw.Cells) == 0 && len(raw.Matrix) == 0 {
		return nil, fail(0, "no cells: give cells: or matrix: (see docs/campaigns.md)")
	}
	seen := map[string]int{}
	add := func(c Cell, name string) error {
		if resolve != nil {
			r, err := resolve(c)
			if err != nil {
				return fail(c.Line, "%v", err)
			}
			c = r
		}
		if c.Expect == ExpectTable {
			return fail(c.Line, "expect: table needs the targets' truth table, which only the CLI knows: give valid, invalid or any")
		}
		if c.ID == "" {
			c.ID = cellID(c, name)
		}
		if !rundir.ValidName(c.ID) {
			return fail(c.Line, "cell id %q is not a valid directory name: give the cell a name of letters, digits, '.', '_' and '-'", c.ID)
		}
		if prev, dup := seen[c.ID]; dup {
			return fail(c.Line, "cell %s is the same as the cell at line %d: change a seed, use repetitions, or give it a name", c.ID, prev)
		}
		seen[c.ID] = c.Line
		if len(s.Cells) == MaxCells {
			return fail(c.Line, "more than %d cells: split the campaign, or use fewer seeds and repetitions", MaxCells)
		}
		s.Cells = append(s.Cells, c)
		return nil
	}
	for i, rc := range raw.Cells {
		line := lineOf(&root, "cells", i)
		p, err := rc.apply(defaults)
		if err != nil {
			return nil, fail(line, "cells[%d]: %v", i, err)
		}
		ex, err := parseExpect(rc.Expect)
		if err != nil {
			return nil, fail(lineOf(&root, "cells", i, "expect"), "cells[%d]: %v", i, err)
		}
		if rc.Target == "" {
			return nil, fail(line, "cells[%d]: no target (e.g. target: register)", i)
		}
		if rc.Name != "" && !rundir.ValidName(rc.Name) {
			return nil, fail(line, "cells[%d]: name %q: use letters, digits, '.', '_' and '-'", i, rc.Name)
		}
		seeds, reps, err := rc.seedsReps(defSeeds, defReps)
		if err != nil {
			return nil, fail(line, "cells[%d]: %v", i, err)
		}
		for _, seed := range seeds {
			for r := 1; r <= reps; r++ {
				c := Cell{Target: rc.Target, Mode: rc.Mode, Workload: rc.Workload, Nemeses: rc.Nemesis,
					Seed: seed, Repetition: r, Expect: ex, Params: p, Line: line}
				name := rc.Name
				if name != "" && (len(seeds) > 1 || reps > 1) {
					name = fmt.Sprintf("%s-s%d", name, seed)
					if r > 1 {
						name += fmt.Sprintf("-r%d", r)
					}
				}
				if err := add(c, name); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, m := range raw.Matrix {
		line := lineOf(&root, "matrix", i)
		p, err := m.apply(defaults)
		if err != nil {
			return nil, fail(line, "matrix[%d]: %v", i, err)
		}
		if len(m.Targets) == 0 {
			return nil, fail(line, "matrix[%d]: no targets (e.g. targets: [kv])", i)
		}
		seeds, reps, err := m.seedsReps(defSeeds, defReps)
		if err != nil {
			return nil, fail(line, "matrix[%d]: %v", i, err)
		}
		modes, workloads, nems := orEmpty(m.Modes.names), orEmpty(m.Workloads), m.Nemeses
		if len(nems) == 0 {
			nems = []nemesisSet{{}}
		}
		all := m.Modes.all
		if all && reg.Modes == nil {
			return nil, fail(lineOf(&root, "matrix", i, "modes"), "matrix[%d]: modes: all needs the targets' modes, which only the CLI knows: list the modes", i)
		}
		declared := m.Modes.names
		if all {
			declared = nil
			for _, t := range m.Targets {
				ms, ok := reg.Modes(t)
				if !ok {
					return nil, fail(line, "matrix[%d]: target %q is not known to this binary (see faultline list)", i, t)
				}
				declared = append(declared, ms...)
			}
		}
		exLine := lineOf(&root, "matrix", i, "expect")
		expectOf, err := m.Expect.resolver(declared)
		if err != nil {
			return nil, fail(exLine, "matrix[%d]: %v", i, err)
		}
		for _, t := range m.Targets {
			modes := modes
			if all {
				modes, _ = reg.Modes(t)
			}
			for _, mode := range modes {
				ex, _ := expectOf(mode)
				for _, w := range workloads {
					for _, n := range nems {
						for _, seed := range seeds {
							for r := 1; r <= reps; r++ {
								c := Cell{Target: t, Mode: mode, Workload: w, Nemeses: n, Seed: seed,
									Repetition: r, Expect: ex, Params: p, Line: line}
								if err := add(c, ""); err != nil {
									return nil, err
								}
							}
						}
					}
				}
			}
		}
	}
	return s, nil
}

func orEmpty(s []string) []string {
	if len(s) == 0 {
		return []string{""}
	}
	return s
}

// cellID names a cell: TARGET-MODE-WORKLOAD-NEMESES-sSEED[-rREP], nemeses
// joined by '_' (the ID is a directory name). name, when given, replaces it.
func cellID(c Cell, name string) string {
	if name != "" {
		return name
	}
	nem := "none"
	if len(c.Nemeses) > 0 {
		nem = strings.Join(c.Nemeses, "_")
	}
	id := fmt.Sprintf("%s-%s-%s-%s-s%d", c.Target, c.Mode, c.Workload, nem, c.Seed)
	if c.Repetition > 1 {
		id += fmt.Sprintf("-r%d", c.Repetition)
	}
	return id
}

func parseExpect(s string) (Expect, error) {
	switch Expect(s) {
	case "", ExpectValid:
		return ExpectValid, nil
	case ExpectInvalid, ExpectAny, ExpectTable:
		return Expect(s), nil
	}
	return "", fmt.Errorf("expect %q: use valid, invalid, any or table", s)
}

// resolver returns the expectation of each mode of a matrix.
func (e expectMap) resolver(modes []string) (func(mode string) (Expect, error), error) {
	if e.byMode == nil {
		ex, err := parseExpect(e.all)
		if err != nil {
			return nil, err
		}
		return func(string) (Expect, error) { return ex, nil }, nil
	}
	m := map[string]Expect{}
	for mode, v := range e.byMode {
		known := false
		for _, x := range modes {
			known = known || x == mode
		}
		if !known {
			return nil, fmt.Errorf("expect names mode %q, which is not in this matrix's modes %v", mode, modes)
		}
		ex, err := parseExpect(v)
		if err != nil {
			return nil, fmt.Errorf("expect.%s: %v", mode, err)
		}
		m[mode] = ex
	}
	return func(mode string) (Expect, error) {
		if ex, ok := m[mode]; ok {
			return ex, nil
		}
		return ExpectValid, nil
	}, nil
}

// apply overlays the set fields of r on p and checks the result.
func (r rawParams) apply(p Params) (Params, error) {
	set := func(dst *time.Duration, src *duration) {
		if src != nil {
			*dst = time.Duration(*src)
		}
	}
	set(&p.TimeLimit, r.TimeLimit)
	set(&p.NemesisInterval, r.NemesisInterval)
	set(&p.OpTimeout, r.OpTimeout)
	set(&p.Recovery, r.Recovery)
	set(&p.CheckTimeout, r.CheckTimeout)
	if r.Concurrency != nil {
		p.Concurrency = *r.Concurrency
	}
	if r.Rate != nil {
		p.Rate = *r.Rate
	}
	return p, p.Check()
}

// Check reports the first setting out of range, naming the fix.
func (p Params) Check() error {
	switch {
	case p.TimeLimit <= 0:
		return fmt.Errorf("time_limit %s: must be positive (e.g. 60s)", p.TimeLimit)
	case p.NemesisInterval <= 0:
		return fmt.Errorf("nemesis_interval %s: must be positive (e.g. 10s)", p.NemesisInterval)
	case p.OpTimeout <= 0:
		return fmt.Errorf("op_timeout %s: must be positive", p.OpTimeout)
	case p.Recovery < 0:
		return fmt.Errorf("recovery %s: must be >= 0", p.Recovery)
	case p.CheckTimeout <= 0:
		return fmt.Errorf("check_timeout %s: must be positive", p.CheckTimeout)
	case p.Concurrency < 1:
		return fmt.Errorf("concurrency %d: must be at least 1", p.Concurrency)
	case p.Rate < 0:
		return fmt.Errorf("rate %g: must be >= 0 (0 means unthrottled)", p.Rate)
	}
	return nil
}

// seedsReps gives a cell's or matrix's seeds and repetitions.
func (r rawParams) seedsReps(defSeeds []int64, defReps int) ([]int64, int, error) {
	seeds, reps := defSeeds, defReps
	if len(r.Seeds) > 0 {
		seeds = r.Seeds
	}
	if r.Repetitions != nil {
		reps = *r.Repetitions
	}
	if reps < 1 || reps > MaxRepetitions {
		return nil, 0, fmt.Errorf("repetitions %d: must be from 1 to %d", reps, MaxRepetitions)
	}
	if len(seeds) > MaxCells {
		return nil, 0, fmt.Errorf("%d seeds: at most %d", len(seeds), MaxCells)
	}
	return seeds, reps, nil
}

func (c rawCell) seedsReps(defSeeds []int64, defReps int) ([]int64, int, error) {
	if c.Seed != nil {
		if len(c.Seeds) > 0 {
			return nil, 0, fmt.Errorf("give seed or seeds, not both")
		}
		defSeeds = []int64{*c.Seed}
	}
	return c.rawParams.seedsReps(defSeeds, defReps)
}

// yamlError rewrites a YAML decoder error as "file:line: message".
func yamlError(base string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.Join(strings.Fields(strings.TrimPrefix(msg, "yaml: ")), " ") // one line, always
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%w: %s:%s: %s", ErrBadSpec, base, m[1], hint(m[2]))
	}
	return fmt.Errorf("%w: %s: %s", ErrBadSpec, base, hint(msg))
}

// hint turns the decoder's words into the user's.
func hint(msg string) string {
	if m := regexp.MustCompile(`field (\S+) not found in type campaign\.raw(\w+)`).FindStringSubmatch(msg); m != nil {
		fields := map[string]string{
			"Spec":   "name, target_files, cluster, defaults, cells, matrix",
			"Cell":   "name, target, mode, workload, nemesis, seed, seeds, repetitions, expect, time_limit, nemesis_interval, op_timeout, recovery, check_timeout, concurrency, rate",
			"Matrix": "targets, modes, workloads, nemeses, seeds, repetitions, expect, time_limit, nemesis_interval, op_timeout, recovery, check_timeout, concurrency, rate",
			"Params": "time_limit, nemesis_interval, op_timeout, recovery, check_timeout, concurrency, rate, seeds, repetitions",
		}
		return fmt.Sprintf("unknown field %q (known here: %s)", m[1], fields[m[2]])
	}
	if m := regexp.MustCompile(`field (\S+) not found in type campaign\.Cluster`).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q in cluster (known: name, nodes, subnet, nodes_file)", m[1])
	}
	return msg
}

// lineOf finds the line of a node by a path of mapping keys (string) and
// sequence indexes (int); 0 when absent.
func lineOf(root *yaml.Node, path ...any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						line = n.Content[i].Line
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// resolveFiles makes paths relative to the spec file's directory.
func resolveFiles(spec string, paths []string) []string {
	var out []string
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(spec), p)
		}
		out = append(out, p)
	}
	return out
}

// TargetFiles reads only the target_files of the spec at path, resolved
// against its directory: the CLI registers them before it loads the spec,
// whose cells may name their targets. Errors are left for Load to report.
func TargetFiles(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > MaxSpecSize {
		return nil
	}
	var raw struct {
		TargetFiles []string `yaml:"target_files"`
	}
	if yaml.Unmarshal(b, &raw) != nil {
		return nil
	}
	return resolveFiles(path, raw.TargetFiles)
}
