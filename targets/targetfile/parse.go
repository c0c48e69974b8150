package targetfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/faultline/faultline/targets"
)

// Bounds on what a target file may declare: it is small input, and each
// count has a limit and a one-line error.
const (
	MaxFileSize = 1 << 20 // bytes
	maxItems    = 256     // files, uploads, directories, packages, ...
	maxArgs     = 1000    // start's arguments, the client's command
	maxModes    = 64
	maxOptions  = 64
	maxTimeout  = time.Hour
)

// DefaultReadyTimeout bounds how long Setup waits for every node's daemon
// to pass the readiness probe when the file gives no ready.timeout.
const DefaultReadyTimeout = 30 * time.Second

// NodeDir is the directory on every node under which each target file's
// daemon has its own node directory, NodeDir/NAME (its log, pidfile and
// data directory), apart from faultline-node's.
const NodeDir = "/opt/faultline"

// File is a parsed target file. The templated fields (start, files,
// upload, directories, ready, logs, client) are parsed at Load and
// rendered by Deploy for each node.
type File struct {
	// Path is the file's path as given to Load; errors name it.
	Path string
	// Dir is the file's directory, absolute: relative upload paths start
	// there, and templates see it as {{.TargetDir}}.
	Dir string

	Name      string
	Doc       string
	Workloads []string
	Supports  targets.Supports
	// Program is the executable on every node that the daemon runs; its
	// path identifies the daemon's process through the pidfile.
	Program string
	// Packages are the Debian packages Setup requires on every node.
	Packages []string
	// Ports are the named ports, {{.Port "NAME"}} in templates.
	Ports map[string]int
	// ReadyTimeout bounds Setup's wait for the readiness probe.
	ReadyTimeout time.Duration
	// Modes are the target's modes, the default first.
	Modes []Mode
	// Options are the target's own options (--NAME flags).
	Options []targets.Option
	// Client is the client executable's command, unrendered; a
	// Deployment's ClientCommand renders it for a node.
	Client Client

	start       []*tmpl
	uploads     []upload
	files       []fileSpec
	directories []*tmpl
	logs        []*tmpl
	ready       readySpec
}

// Mode is one of the file's modes: the target's mode and its vars,
// {{.Vars.NAME}} in every template.
type Mode struct {
	targets.Mode
	Vars map[string]string
	line int
}

// Client is the file's client: an executable on the controller that
// speaks JSON lines, started once per client with the rendered command
// and environment.
type Client struct {
	// Command is the argv's templates, unrendered.
	Command []string
	// Env is the environment's templates, unrendered, by name.
	Env map[string]string

	command []*tmpl
	env     []envVar
}

type envVar struct {
	name string
	t    *tmpl
}

// upload is a local file copied to every node.
type upload struct {
	from string // local, absolute
	to   *tmpl
	mode os.FileMode
}

// fileSpec is a file written on every node from a template.
type fileSpec struct {
	path, content *tmpl
	mode          os.FileMode
}

// readySpec is the readiness probe: a TCP connect from the controller or
// a command on the node (neither: the daemon running is enough).
type readySpec struct {
	tcp     *tmpl
	command []*tmpl
}

// Load reads a target file and returns the target it declares.
func Load(path string) (targets.Target, error) {
	f, err := LoadFile(path)
	if err != nil {
		return targets.Target{}, err
	}
	return f.Target(), nil
}

// LoadFile reads and parses a target file.
func LoadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, failAt(path, 0, "cannot read the target file: %v", pathErr(err))
	}
	defer fh.Close()
	if st, err := fh.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, failAt(path, 0, "not a regular file: give the path of a target file (YAML)")
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, failAt(path, 0, "cannot read the target file: %v", pathErr(err))
	}
	return Parse(path, data)
}

// pathErr is the cause of a file system error, without the path (which
// the message already names).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parser reads one file; fail names it.
type parser struct {
	file string
	dir  string
}

func (p *parser) fail(line int, format string, args ...any) error {
	return failAt(p.file, line, format, args...)
}

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	portRE  = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	debRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$`)
	lineRE  = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// reserved are names a target file's daemon cannot take: its node
// directory NodeDir/NAME would be one of faultline-node's.
var reserved = []string{"bin", "log", "run", "data"}

// Parse parses a target file's content; path names it in errors and
// anchors its relative paths.
func Parse(file string, data []byte) (*File, error) {
	p := &parser{file: file}
	if len(data) > MaxFileSize {
		return nil, p.fail(0, "the file is over %d bytes: at most 1 MiB (upload large content with upload:)", MaxFileSize)
	}
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, p.fail(0, "cannot resolve the file's directory: %v", err)
	}
	p.dir = dir
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.fail(0, "empty target file: give at least name, workloads, program and client")
		}
		return nil, p.yamlError(err)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, p.yamlError(err)
	default:
		line := second.Line
		if len(second.Content) > 0 {
			line = second.Content[0].Line
		}
		return nil, p.fail(line, "a second YAML document (after ---): a target file is one document; put another target in its own file")
	}
	if line := aliasLine(&root); line > 0 {
		return nil, p.fail(line, "YAML anchors and aliases (&name, *name) are not accepted in a target file: write the values out")
	}
	if len(root.Content) != 1 {
		return nil, p.fail(0, "empty target file: give at least name, workloads, program and client")
	}
	f, err := p.parse(root.Content[0])
	if err != nil {
		return nil, err
	}
	f.Path, f.Dir = file, dir
	if err := f.dryRun(); err != nil {
		return nil, err
	}
	if err := f.Target().Validate(); err != nil {
		return nil, p.fail(0, "%v", err)
	}
	return f, nil
}

// yamlError is a decoder's error as "FILE:LINE: message".
func (p *parser) yamlError(err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		return p.fail(l, "%s", m[2])
	}
	return p.fail(0, "%s", strings.TrimPrefix(msg, "yaml: "))
}

var topFields = []string{"name", "doc", "workloads", "supports", "program", "start", "packages", "upload",
	"files", "directories", "ports", "ready", "logs", "modes", "client", "options"}

func (p *parser) parse(doc *yaml.Node) (*File, error) {
	fields, err := p.mapping(doc, "", topFields...)
	if err != nil {
		return nil, err
	}
	f := &File{Ports: map[string]int{}, ReadyTimeout: DefaultReadyTimeout}
	for _, req := range []struct{ name, fix string }{
		{"name", "the --target name, e.g. name: zookeeper"},
		{"workloads", "the workloads its client serves, e.g. workloads: [register]"},
		{"program", "the executable on the node that runs the daemon, e.g. program: /usr/bin/java"},
		{"client", "the client executable, e.g. client: {command: [python3, \"{{.TargetDir}}/client.py\"]}"},
	} {
		if _, ok := fields[req.name]; !ok {
			return nil, p.fail(0, "no %s: give %s", req.name, req.fix)
		}
	}
	steps := []struct {
		name string
		do   func(n *yaml.Node) error
	}{
		{"name", func(n *yaml.Node) (err error) { f.Name, err = p.name(n); return }},
		{"doc", func(n *yaml.Node) (err error) { f.Doc, err = p.oneLine(n, "doc"); return }},
		{"workloads", func(n *yaml.Node) (err error) { f.Workloads, err = p.workloads(n); return }},
		{"supports", func(n *yaml.Node) (err error) { f.Supports, err = p.supports(n); return }},
		{"program", func(n *yaml.Node) (err error) { f.Program, err = p.program(n); return }},
		{"start", func(n *yaml.Node) (err error) { f.start, err = p.tmpls(n, "start", maxArgs); return }},
		{"packages", func(n *yaml.Node) (err error) { f.Packages, err = p.packages(n); return }},
		{"upload", func(n *yaml.Node) (err error) { f.uploads, err = p.uploads(n); return }},
		{"files", func(n *yaml.Node) (err error) { f.files, err = p.files(n); return }},
		{"directories", func(n *yaml.Node) (err error) { f.directories, err = p.tmpls(n, "directories", maxItems); return }},
		{"ports", func(n *yaml.Node) (err error) { f.Ports, err = p.ports(n); return }},
		{"ready", func(n *yaml.Node) (err error) { f.ready, f.ReadyTimeout, err = p.ready(n); return }},
		{"logs", func(n *yaml.Node) (err error) { f.logs, err = p.tmpls(n, "logs", maxItems); return }},
		{"modes", func(n *yaml.Node) (err error) { f.Modes, err = p.modes(n); return }},
		{"client", func(n *yaml.Node) (err error) { f.Client, err = p.client(n); return }},
		{"options", func(n *yaml.Node) (err error) { f.Options, err = p.options(n); return }},
	}
	for _, s := range steps {
		if fd, ok := fields[s.name]; ok {
			if err := s.do(fd.val); err != nil {
				return nil, err
			}
		}
	}
	if f.Doc == "" {
		f.Doc = "declared in the target file " + filepath.Base(p.file)
	}
	if len(f.Modes) == 0 {
		f.Modes = []Mode{{Mode: targets.Mode{Name: "default", Doc: "the target file's one mode"}, Vars: map[string]string{}}}
	}
	return f, nil
}

func (p *parser) name(n *yaml.Node) (string, error) {
	v, err := p.scalar(n, "name")
	if err != nil {
		return "", err
	}
	if !nameRE.MatchString(v) || len(v) > 64 {
		return "", p.fail(n.Line, "name %q: use lower-case letters, digits, '-' and '_', at most 64 (it is the --target name)", v)
	}
	if slices.Contains(reserved, v) {
		return "", p.fail(n.Line, "name %q is taken by faultline's own node directory %s/%s: pick another name", v, NodeDir, v)
	}
	return v, nil
}

// oneLine is a single-line text (a doc).
func (p *parser) oneLine(n *yaml.Node, what string) (string, error) {
	v, err := p.scalar(n, what)
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", p.fail(n.Line, "%s: one line of text, without line breaks or control characters (faultline list shows it)", what)
	}
	if len(v) > 300 {
		return "", p.fail(n.Line, "%s: %d characters: at most 300 (one line for faultline list)", what, len(v))
	}
	return v, nil
}

func (p *parser) workloads(n *yaml.Node) ([]string, error) {
	items, err := p.scalars(n, "workloads", maxItems)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.fail(n.Line, "workloads: name at least one workload its client serves, e.g. [register]")
	}
	var out []string
	for _, it := range items {
		if !nameRE.MatchString(it.Value) {
			return nil, p.fail(it.Line, "workloads: %q is not a workload name (lower-case letters, digits, '-' and '_'; faultline list shows them)", it.Value)
		}
		if slices.Contains(out, it.Value) {
			return nil, p.fail(it.Line, "workloads: %q is listed twice: keep one", it.Value)
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func (p *parser) supports(n *yaml.Node) (targets.Supports, error) {
	var s targets.Supports
	items, err := p.scalars(n, "supports", maxItems)
	if err != nil {
		return s, err
	}
	seen := map[string]bool{}
	for _, it := range items {
		switch v := it.Value; v {
		case "kill":
			s.Kill = true
		case "pause":
			s.Pause = true
		case "clock-system":
			s.ClockSystem = true
		case "partition", "netem":
			return s, p.fail(it.Line, "supports: %q: network faults (partition, netem) work on every target; list only kill, pause, clock-system", v)
		case "clock", "clock-file":
			return s, p.fail(it.Line, "supports: %q: only faultline's own node daemon reads the clock file; a program that reads the system clock takes clock-system (want kill, pause, clock-system)", v)
		default:
			return s, p.fail(it.Line, "supports: %q is not a fault a target can support (want kill, pause, clock-system)", v)
		}
		if seen[it.Value] {
			return s, p.fail(it.Line, "supports: %q is listed twice: keep one", it.Value)
		}
		seen[it.Value] = true
	}
	return s, nil
}

func (p *parser) program(n *yaml.Node) (string, error) {
	v, err := p.scalar(n, "program")
	if err != nil {
		return "", err
	}
	switch {
	case strings.Contains(v, "{{"):
		return "", p.fail(n.Line, "program: %q: the program is not a template: give the executable's absolute path on the node (arguments go in start:)", v)
	case strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", p.fail(n.Line, "program: the path holds a control character: give the executable's absolute path on the node")
	case !path.IsAbs(v) || path.Clean(v) != v || v == "/":
		return "", p.fail(n.Line, "program: %q: give the executable's absolute, clean path on the node, e.g. /usr/bin/java (its path identifies the process)", v)
	}
	return v, nil
}

// tmpls is a list of templates, e.g. start's arguments.
func (p *parser) tmpls(n *yaml.Node, what string, limit int) ([]*tmpl, error) {
	items, err := p.scalars(n, what, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*tmpl, len(items))
	for i, it := range items {
		if out[i], err = p.tmpl(it, fmt.Sprintf("%s[%d]", what, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *parser) packages(n *yaml.Node) ([]string, error) {
	items, err := p.scalars(n, "packages", maxItems)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if !debRE.MatchString(it.Value) {
			return nil, p.fail(it.Line, "packages: %q is not a Debian package name (lower-case letters, digits, '+', '-', '.'; e.g. zookeeper)", it.Value)
		}
		if !slices.Contains(out, it.Value) {
			out = append(out, it.Value)
		}
	}
	return out, nil
}

// mode parses an octal permission ("0644", "755", "0o600").
func (p *parser) mode(n *yaml.Node, what string) (os.FileMode, error) {
	v, err := p.scalar(n, what)
	if err != nil {
		return 0, err
	}
	m, err := strconv.ParseUint(strings.TrimPrefix(v, "0o"), 8, 32)
	if err != nil || m > 0o777 || v == "" {
		return 0, p.fail(n.Line, "%s: %q: want an octal permission such as 0644 or 0755", what, v)
	}
	return os.FileMode(m), nil
}

func (p *parser) uploads(n *yaml.Node) ([]upload, error) {
	items, err := p.list(n, "upload", maxItems)
	if err != nil {
		return nil, err
	}
	var out []upload
	for i, it := range items {
		what := fmt.Sprintf("upload[%d]", i)
		m, err := p.mapping(it, what, "from", "to", "mode")
		if err != nil {
			return nil, err
		}
		from, to := m["from"], m["to"]
		if from.val == nil || to.val == nil {
			return nil, p.fail(it.Line, "%s: give from (a file relative to the target file) and to (its path on the node), e.g. {from: client/extra.jar, to: \"{{.Dir}}/extra.jar\"}", what)
		}
		rel, err := p.scalar(from.val, what+".from")
		if err != nil {
			return nil, err
		}
		if !filepath.IsLocal(rel) {
			return nil, p.fail(from.val.Line, "%s.from: %q: give a path relative to the target file's directory, inside it", what, rel)
		}
		u := upload{from: filepath.Join(p.dir, rel)}
		st, err := os.Stat(u.from)
		switch {
		case err != nil:
			return nil, p.fail(from.val.Line, "%s.from: %s: %v (paths are relative to %s)", what, rel, pathErr(err), p.dir)
		case !st.Mode().IsRegular():
			return nil, p.fail(from.val.Line, "%s.from: %s is not a regular file: upload files one by one", what, rel)
		}
		u.mode = st.Mode().Perm()
		if mv, ok := m["mode"]; ok {
			if u.mode, err = p.mode(mv.val, what+".mode"); err != nil {
				return nil, err
			}
		}
		if _, err := p.scalar(to.val, what+".to"); err != nil {
			return nil, err
		}
		if u.to, err = p.tmpl(to.val, what+".to"); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func (p *parser) files(n *yaml.Node) ([]fileSpec, error) {
	items, err := p.list(n, "files", maxItems)
	if err != nil {
		return nil, err
	}
	var out []fileSpec
	for i, it := range items {
		what := fmt.Sprintf("files[%d]", i)
		m, err := p.mapping(it, what, "path", "content", "mode")
		if err != nil {
			return nil, err
		}
		pf, ok := m["path"]
		if !ok {
			return nil, p.fail(it.Line, "%s: give path (on the node) and content, e.g. {path: \"{{.Dir}}/app.conf\", content: \"port={{.Port \\\"client\\\"}}\"}", what)
		}
		fs := fileSpec{mode: 0o644}
		if _, err := p.scalar(pf.val, what+".path"); err != nil {
			return nil, err
		}
		if fs.path, err = p.tmpl(pf.val, what+".path"); err != nil {
			return nil, err
		}
		content := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: it.Line}
		if c, ok := m["content"]; ok {
			content = c.val
		}
		if _, err := p.scalar(content, what+".content"); err != nil {
			return nil, err
		}
		if fs.content, err = p.tmpl(content, what+".content"); err != nil {
			return nil, err
		}
		if mv, ok := m["mode"]; ok {
			if fs.mode, err = p.mode(mv.val, what+".mode"); err != nil {
				return nil, err
			}
		}
		out = append(out, fs)
	}
	return out, nil
}

func (p *parser) ports(n *yaml.Node) (map[string]int, error) {
	pairs, err := p.pairs(n, "ports", maxItems)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, kv := range pairs {
		if !portRE.MatchString(kv.key.Value) {
			return nil, p.fail(kv.key.Line, "ports: %q: name a port with lower-case letters, digits, '-' and '_', e.g. client", kv.key.Value)
		}
		v, err := strconv.Atoi(kv.val.Value)
		if err != nil || v < 1 || v > 65535 {
			return nil, p.fail(kv.val.Line, "ports.%s: %q: want a port number between 1 and 65535", kv.key.Value, kv.val.Value)
		}
		out[kv.key.Value] = v
	}
	return out, nil
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, error) {
	v, err := p.scalar(n, what)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, p.fail(n.Line, "%s: %q: write a number with a unit, e.g. 60s or 2m", what, v)
	}
	if d <= 0 || d > maxTimeout {
		return 0, p.fail(n.Line, "%s: %s: want more than 0 and at most %s", what, v, maxTimeout)
	}
	return d, nil
}

func (p *parser) ready(n *yaml.Node) (readySpec, time.Duration, error) {
	var r readySpec
	timeout := DefaultReadyTimeout
	m, err := p.mapping(n, "ready", "tcp", "command", "timeout")
	if err != nil {
		return r, 0, err
	}
	tcp, hasTCP := m["tcp"]
	cmd, hasCmd := m["command"]
	switch {
	case hasTCP && hasCmd:
		return r, 0, p.fail(cmd.key.Line, "ready: give one probe, tcp or command, not both")
	case !hasTCP && !hasCmd:
		return r, 0, p.fail(n.Line, "ready: give a probe: tcp: \"{{.Address}}:{{.Port \\\"client\\\"}}\" (a connect from the controller) or command: [...] (run on the node; exit 0 is ready)")
	case hasTCP:
		if _, err := p.scalar(tcp.val, "ready.tcp"); err != nil {
			return r, 0, err
		}
		if r.tcp, err = p.tmpl(tcp.val, "ready.tcp"); err != nil {
			return r, 0, err
		}
	default:
		if r.command, err = p.tmpls(cmd.val, "ready.command", maxArgs); err != nil {
			return r, 0, err
		}
		if len(r.command) == 0 {
			return r, 0, p.fail(cmd.val.Line, "ready.command: give the command's argv, e.g. [sh, -c, \"...\"]")
		}
	}
	if t, ok := m["timeout"]; ok {
		if timeout, err = p.duration(t.val, "ready.timeout"); err != nil {
			return r, 0, err
		}
	}
	return r, timeout, nil
}

func (p *parser) expect(n *yaml.Node, what string) (targets.Expect, error) {
	v, err := p.scalar(n, what)
	if err != nil {
		return targets.NA, err
	}
	switch v {
	case "yes":
		return targets.Yes, nil
	case "no":
		return targets.No, nil
	case "unknown", "":
		return targets.NA, nil
	}
	return targets.NA, p.fail(n.Line, "%s: %q: want yes, no or unknown (yes: every run must pass the check; no: the mode is unsafe and a run must catch it; unknown: not judged)", what, v)
}

func (p *parser) modes(n *yaml.Node) ([]Mode, error) {
	items, err := p.list(n, "modes", maxModes)
	if err != nil {
		return nil, err
	}
	var out []Mode
	for i, it := range items {
		what := fmt.Sprintf("modes[%d]", i)
		m, err := p.mapping(it, what, "name", "doc", "linearizable", "converges", "features", "vars")
		if err != nil {
			return nil, err
		}
		nf, ok := m["name"]
		if !ok {
			return nil, p.fail(it.Line, "%s: give the mode a name, e.g. name: sync-reads", what)
		}
		md := Mode{Vars: map[string]string{}, line: nf.val.Line}
		if md.Name, err = p.scalar(nf.val, what+".name"); err != nil {
			return nil, err
		}
		if !nameRE.MatchString(md.Name) || len(md.Name) > 64 {
			return nil, p.fail(nf.val.Line, "%s.name: %q: use lower-case letters, digits, '-' and '_' (it is the --mode name)", what, md.Name)
		}
		for _, prev := range out {
			if prev.Name == md.Name {
				return nil, p.fail(nf.val.Line, "%s: mode %q is declared twice (first at line %d): rename one", what, md.Name, prev.line)
			}
		}
		if d, ok := m["doc"]; ok {
			if md.Doc, err = p.oneLine(d.val, what+".doc"); err != nil {
				return nil, err
			}
		}
		if l, ok := m["linearizable"]; ok {
			if md.Linearizable, err = p.expect(l.val, what+".linearizable"); err != nil {
				return nil, err
			}
		}
		if c, ok := m["converges"]; ok {
			if md.Converges, err = p.expect(c.val, what+".converges"); err != nil {
				return nil, err
			}
		}
		if fe, ok := m["features"]; ok {
			items, err := p.scalars(fe.val, what+".features", maxItems)
			if err != nil {
				return nil, err
			}
			for _, x := range items {
				if !nameRE.MatchString(x.Value) {
					return nil, p.fail(x.Line, "%s.features: %q: a feature is a name such as cas", what, x.Value)
				}
				md.Features = append(md.Features, x.Value)
			}
		}
		if v, ok := m["vars"]; ok {
			pairs, err := p.pairs(v.val, what+".vars", maxItems)
			if err != nil {
				return nil, err
			}
			for _, kv := range pairs {
				if !identRE.MatchString(kv.key.Value) {
					return nil, p.fail(kv.key.Line, "%s.vars: %q: a var's name is letters, digits and '_' ({{.Vars.NAME}} in templates)", what, kv.key.Value)
				}
				md.Vars[kv.key.Value], _ = p.scalar(kv.val, "")
			}
		}
		out = append(out, md)
	}
	if len(items) == 0 {
		return nil, p.fail(n.Line, "modes: declare at least one mode, or leave modes out for a single mode \"default\"")
	}
	return out, nil
}

func (p *parser) client(n *yaml.Node) (Client, error) {
	var c Client
	m, err := p.mapping(n, "client", "command", "env")
	if err != nil {
		return c, err
	}
	cmd, ok := m["command"]
	if !ok {
		return c, p.fail(n.Line, "client: give its command, e.g. command: [python3, \"{{.TargetDir}}/client.py\"]")
	}
	if c.command, err = p.tmpls(cmd.val, "client.command", maxArgs); err != nil {
		return c, err
	}
	if len(c.command) == 0 {
		return c, p.fail(cmd.val.Line, "client.command: give the client's argv, e.g. [python3, \"{{.TargetDir}}/client.py\"]")
	}
	for _, t := range c.command {
		c.Command = append(c.Command, t.src)
	}
	c.Env = map[string]string{}
	if e, ok := m["env"]; ok {
		pairs, err := p.pairs(e.val, "client.env", maxItems)
		if err != nil {
			return c, err
		}
		for _, kv := range pairs {
			if !identRE.MatchString(kv.key.Value) {
				return c, p.fail(kv.key.Line, "client.env: %q: an environment variable's name is letters, digits and '_'", kv.key.Value)
			}
			t, err := p.tmpl(kv.val, "client.env."+kv.key.Value)
			if err != nil {
				return c, err
			}
			c.env = append(c.env, envVar{name: kv.key.Value, t: t})
			c.Env[kv.key.Value] = t.src
		}
	}
	return c, nil
}

func (p *parser) options(n *yaml.Node) ([]targets.Option, error) {
	items, err := p.list(n, "options", maxOptions)
	if err != nil {
		return nil, err
	}
	var out []targets.Option
	lines := map[string]int{}
	for i, it := range items {
		what := fmt.Sprintf("options[%d]", i)
		m, err := p.mapping(it, what, "name", "default", "doc")
		if err != nil {
			return nil, err
		}
		nf, ok := m["name"]
		if !ok {
			return nil, p.fail(it.Line, "%s: give the option a name, e.g. {name: heap, default: 256m, doc: JVM heap}", what)
		}
		var o targets.Option
		if o.Name, err = p.scalar(nf.val, what+".name"); err != nil {
			return nil, err
		}
		if !nameRE.MatchString(o.Name) || len(o.Name) > 64 {
			return nil, p.fail(nf.val.Line, "%s.name: %q: use lower-case letters, digits, '-' and '_' (it is the --%s flag)", what, o.Name, o.Name)
		}
		if first, dup := lines[o.Name]; dup {
			return nil, p.fail(nf.val.Line, "%s: option %q is declared twice (first at line %d): keep one", what, o.Name, first)
		}
		lines[o.Name] = nf.val.Line
		if d, ok := m["default"]; ok {
			if o.Default, err = p.scalar(d.val, what+".default"); err != nil {
				return nil, err
			}
		}
		if d, ok := m["doc"]; ok {
			if o.Doc, err = p.oneLine(d.val, what+".doc"); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	return out, nil
}
