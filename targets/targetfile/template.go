package targetfile

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"go.yaml.in/yaml/v3"
)

// TemplateData is what every template of a target file sees, for one node
// and the deployment's mode: {{.Name}}, {{.Address}}, {{.ID}}, {{range
// .Peers}}{{.Name}} {{.Address}} {{.ID}}{{end}}, {{.Dir}}, {{.DataDir}},
// {{.LogDir}}, {{.TargetDir}}, {{.Vars.NAME}}, {{.Mode}}, {{.Port "NAME"}}
// and {{.Option "NAME"}}.
type TemplateData struct {
	Name    string // the node's name
	Address string // the node's address
	ID      int    // the node's 1-based index among the nodes
	Peers   []Peer // every node, this one included, in order
	// Dir is the node directory of the target's daemon
	// (/opt/faultline/NAME); DataDir and LogDir are its data and log
	// directories, DataDir wiped by every Setup.
	Dir, DataDir, LogDir string
	// TargetDir is the directory of the target file, on the controller
	// (for the client's templates).
	TargetDir string
	// Vars are the mode's vars.
	Vars map[string]string
	// Mode is the mode's name.
	Mode string

	ports   map[string]int
	options map[string]string
}

// Peer is one node in TemplateData.Peers.
type Peer struct {
	Name, Address string
	ID            int
}

// Port is the named port the file declares under ports:.
func (d TemplateData) Port(name string) (int, error) {
	p, ok := d.ports[name]
	if !ok {
		return 0, fmt.Errorf("no port %q (ports: %s; declare it under ports:)", name, keys(d.ports))
	}
	return p, nil
}

// Option is the value of the target option name (its default unless given).
func (d TemplateData) Option(name string) (string, error) {
	v, ok := d.options[name]
	if !ok {
		return "", fmt.Errorf("no option %q (options: %s; declare it under options:)", name, keys(d.options))
	}
	return v, nil
}

func keys[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Bounds on templates: a target file is small input, and a template is a
// program; these keep any one from running away.
const (
	maxRangeDepth = 2       // {{range}} inside {{range}}, no deeper
	maxRendered   = 4 << 20 // bytes one template may render
)

// tmpl is one templated value of the file.
type tmpl struct {
	field string // where it is, e.g. "start[3]", "files[0].content"
	line  int    // the file line of the template's first line
	src   string
	t     *template.Template
}

// tmpl parses the template in the scalar node n, the value of field.
func (p *parser) tmpl(n *yaml.Node, field string) (*tmpl, error) {
	line := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // a block scalar's text starts below its | or >
	}
	t := &tmpl{field: field, line: line, src: n.Value}
	if isNull(n) {
		t.src = ""
	}
	parsed, err := template.New("t").Option("missingkey=error").Parse(t.src)
	if err != nil {
		l, msg := t.where(err)
		return nil, p.fail(l, "%s: the template does not parse: %s", field, msg)
	}
	if len(parsed.Templates()) > 1 {
		return nil, p.fail(line, "%s: {{define}} and {{block}} are not accepted in a target file: write the text out", field)
	}
	if err := checkTree(parsed.Tree.Root, 0); err != nil {
		return nil, p.fail(line, "%s: %v", field, err)
	}
	t.t = parsed
	return t, nil
}

// checkTree refuses what could make a template run away: {{template}}
// (recursion), and {{range}} over anything but the data's own fields
// (.Peers, .Vars) or nested deeper than maxRangeDepth.
func checkTree(n parse.Node, ranges int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkTree(c, ranges); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return errors.New("{{template}} is not accepted in a target file: write the text out")
	case *parse.IfNode:
		return checkBranch(&n.BranchNode, ranges)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode, ranges)
	case *parse.RangeNode:
		if ranges+1 > maxRangeDepth {
			return fmt.Errorf("{{range}} nested %d deep: at most %d", ranges+1, maxRangeDepth)
		}
		if !fieldPipe(n.Pipe) {
			return fmt.Errorf("{{range %s}}: range only over the data's fields, e.g. {{range .Peers}}", n.Pipe)
		}
		if err := checkTree(n.List, ranges+1); err != nil {
			return err
		}
		return checkTree(n.ElseList, ranges)
	}
	return nil
}

func checkBranch(b *parse.BranchNode, ranges int) error {
	if err := checkTree(b.List, ranges); err != nil {
		return err
	}
	return checkTree(b.ElseList, ranges)
}

// fieldPipe reports whether a range's pipeline is a bare field: .Peers,
// $.Peers, .Vars (the only values it can iterate over are the data's).
func fieldPipe(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		return true
	case *parse.VariableNode:
		return len(a.Ident) > 1 && a.Ident[0] == "$"
	}
	return false
}

// limitWriter fails a template that renders more than maxRendered bytes.
type limitWriter struct{ b strings.Builder }

var errTooLong = fmt.Errorf("renders more than %d MiB", maxRendered>>20)

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > maxRendered {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

// render executes the template; the error is the file line and a
// message for the user.
func (t *tmpl) render(d TemplateData) (string, int, error) {
	var w limitWriter
	if err := t.t.Execute(&w, d); err != nil {
		l, msg := t.where(err)
		return "", l, errors.New(msg + hint(msg, d))
	}
	return w.b.String(), 0, nil
}

// tmplErrRE takes text/template's "template: t:LINE[:COL]: MSG" apart.
var tmplErrRE = regexp.MustCompile(`^template: t:(\d+):(?:\d+:)? ?(.*)$`)

// where maps a template error to the file line it is on and its message.
func (t *tmpl) where(err error) (int, string) {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	m := tmplErrRE.FindStringSubmatch(msg)
	if m == nil {
		return t.line, msg
	}
	l, _ := strconv.Atoi(m[1])
	rest := strings.Replace(m[2], `executing "t" at `, "", 1)
	// "unclosed action started at t:2": the line where it starts.
	if s := startedRE.FindStringSubmatch(rest); s != nil {
		l, _ = strconv.Atoi(s[1])
		rest = strings.TrimSuffix(rest, s[0])
	}
	return t.line + max(l, 1) - 1, rest
}

var startedRE = regexp.MustCompile(` started at t:(\d+)$`)

var noKeyRE = regexp.MustCompile(`<\.Vars\.(\w+)>: map has no entry for key`)

// hint adds the fix to a template's execution error.
func hint(msg string, d TemplateData) string {
	switch {
	case noKeyRE.MatchString(msg):
		return fmt.Sprintf(" (mode %s has vars: %s; declare %s under vars: of every mode)", d.Mode, keys(d.Vars), noKeyRE.FindStringSubmatch(msg)[1])
	case strings.Contains(msg, "can't evaluate field"):
		return ` (a template sees .Name .Address .ID .Peers .Dir .DataDir .LogDir .TargetDir .Vars .Mode, {{.Port "NAME"}} and {{.Option "NAME"}}; a peer has .Name .Address .ID)`
	}
	return ""
}
