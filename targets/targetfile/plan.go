package targetfile

import (
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// nodePlan is everything a target file says about one node, rendered.
type nodePlan struct {
	data    TemplateData
	args    []string
	dirs    []string // directories: declared ones and the parents of files and uploads
	uploads []renderedUpload
	files   []renderedFile
	logs    []renderedLog
	tcp     string
	command []string
	argv    []string // the client's
	env     []string // the client's, NAME=VALUE, in the file's order
}

type renderedUpload struct {
	from, to string
	mode     os.FileMode
}

type renderedFile struct {
	path, content string
	mode          os.FileMode
}

// renderedLog is an extra log: its path on the node and the file it is
// collected into under nodes/<node>/.
type renderedLog struct {
	path, local string
}

// Daemon is the target's daemon on a node: its program, and its own node
// directory NodeDir/NAME (log, pidfile, data), apart from faultline-node's.
// A healer that resumes and reaps the target's daemon uses this one.
func (f *File) Daemon(sudo bool) deploy.Daemon {
	return deploy.Daemon{Name: f.Name, Dir: path.Join(NodeDir, f.Name), Program: f.Program, Sudo: sudo}
}

// mode finds the file's mode called name ("" is the default).
func (f *File) mode(name string) (Mode, bool) {
	if name == "" {
		return f.Modes[0], true
	}
	for _, m := range f.Modes {
		if m.Name == name {
			return m, true
		}
	}
	return Mode{}, false
}

// renderFail builds the error of template t, rendered for node, at line
// of the file: Deploy's names the node, Load's trial rendering the mode.
type renderFail func(t *tmpl, node string, line int, format string, args ...any) error

// plan renders the file for every node of nodes in mode m, with the
// options' values. fail builds each error.
func (f *File) plan(m Mode, nodes []targets.Node, options map[string]string, fail renderFail) (map[string]*nodePlan, error) {
	d := f.Daemon(false)
	peers := make([]Peer, len(nodes))
	for i, n := range nodes {
		peers[i] = Peer{Name: n.Name, Address: n.Address, ID: i + 1}
	}
	out := map[string]*nodePlan{}
	for i, n := range nodes {
		np := &nodePlan{data: TemplateData{
			Name: n.Name, Address: n.Address, ID: i + 1, Peers: peers,
			Dir: path.Join(NodeDir, f.Name), DataDir: d.DataDir(), LogDir: path.Dir(d.LogPath()),
			TargetDir: f.Dir, Vars: m.Vars, Mode: m.Name, ports: f.Ports, options: options,
		}}
		if err := f.planNode(np, n, fail); err != nil {
			return nil, err
		}
		out[n.Name] = np
	}
	return out, nil
}

func (f *File) planNode(np *nodePlan, n targets.Node, failFor renderFail) error {
	fail := func(t *tmpl, line int, format string, args ...any) error {
		return failFor(t, n.Name, line, format, args...)
	}
	render := func(t *tmpl) (string, error) {
		s, line, err := t.render(np.data)
		if err != nil {
			return "", fail(t, line, "%v", err)
		}
		return s, nil
	}
	nodePath := func(t *tmpl) (string, error) {
		s, err := render(t)
		if err != nil {
			return "", err
		}
		if !path.IsAbs(s) || path.Clean(s) != s || s == "/" || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return "", fail(t, t.line, "%q is not an absolute, clean path on the node: start it with / or {{.Dir}}", s)
		}
		return s, nil
	}
	addDir := func(d string) {
		for _, x := range np.dirs {
			if x == d {
				return
			}
		}
		np.dirs = append(np.dirs, d)
	}
	for _, t := range f.start {
		s, err := render(t)
		if err != nil {
			return err
		}
		np.args = append(np.args, s)
	}
	for _, t := range f.directories {
		s, err := nodePath(t)
		if err != nil {
			return err
		}
		addDir(s)
	}
	written := map[string]string{} // node path -> the field that writes it
	claim := func(t *tmpl, p string) error {
		if prev, ok := written[p]; ok {
			return fail(t, t.line, "%s is also written by %s: give each file one source", p, prev)
		}
		written[p] = t.field
		addDir(path.Dir(p))
		return nil
	}
	for _, u := range f.uploads {
		to, err := nodePath(u.to)
		if err != nil {
			return err
		}
		if err := claim(u.to, to); err != nil {
			return err
		}
		np.uploads = append(np.uploads, renderedUpload{from: u.from, to: to, mode: u.mode})
	}
	for _, fs := range f.files {
		p, err := nodePath(fs.path)
		if err != nil {
			return err
		}
		if err := claim(fs.path, p); err != nil {
			return err
		}
		content, err := render(fs.content)
		if err != nil {
			return err
		}
		np.files = append(np.files, renderedFile{path: p, content: content, mode: fs.mode})
	}
	used := map[string]bool{filepath.Base(f.Daemon(false).LogPath()): true}
	for i, t := range f.logs {
		p, err := nodePath(t)
		if err != nil {
			return err
		}
		local := path.Base(p)
		if used[local] {
			local = strconv.Itoa(i+1) + "-" + local
		}
		used[local] = true
		np.logs = append(np.logs, renderedLog{path: p, local: local})
	}
	if t := f.ready.tcp; t != nil {
		s, err := render(t)
		if err != nil {
			return err
		}
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return fail(t, t.line, "%q is not HOST:PORT: write \"{{.Address}}:{{.Port \\\"NAME\\\"}}\"", s)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			return fail(t, t.line, "%q: the port is not a number between 1 and 65535", s)
		}
		if !sameHost(host, n.Address) {
			return fail(t, t.line, "%q: the probe must connect to the node's own address %s: write {{.Address}} for the host", s, n.Address)
		}
		np.tcp = s
	}
	for _, t := range f.ready.command {
		s, err := render(t)
		if err != nil {
			return err
		}
		np.command = append(np.command, s)
	}
	for _, t := range f.Client.command {
		s, err := render(t)
		if err != nil {
			return err
		}
		np.argv = append(np.argv, s)
	}
	for _, e := range f.Client.env {
		s, err := render(e.t)
		if err != nil {
			return err
		}
		np.env = append(np.env, e.name+"="+s)
	}
	return nil
}

// sameHost reports whether host names address: the same text, or the
// same IP address written differently.
func sameHost(host, address string) bool {
	if host == address {
		return true
	}
	a, b := net.ParseIP(host), net.ParseIP(address)
	return a != nil && b != nil && a.Equal(b)
}

// sampleNodes are the nodes Load renders every template for, to report
// a template that cannot work at its line before anything is deployed.
func sampleNodes() []targets.Node {
	var out []targets.Node
	for i := 1; i <= 5; i++ {
		out = append(out, targets.Node{Name: "n" + strconv.Itoa(i), Address: "192.0.2." + strconv.Itoa(10+i)})
	}
	return out
}

// dryRun renders every template in every mode for five sample nodes with
// the options' defaults: a template that names a var a mode lacks, a port
// or option that is not declared, or a field that does not exist is
// refused at Load, at its line.
func (f *File) dryRun() error {
	options := map[string]string{}
	for _, o := range f.Options {
		options[o.Name] = o.Default
	}
	for _, m := range f.Modes {
		fail := func(t *tmpl, _ string, line int, format string, args ...any) error {
			who := ""
			if len(f.Modes) > 1 {
				who = "in mode " + m.Name + ": "
			}
			return failAt(f.Path, line, "%s: %s%s", t.field, who, fmt.Sprintf(format, args...))
		}
		if _, err := f.plan(m, sampleNodes(), options, fail); err != nil {
			return err
		}
	}
	return nil
}
