package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultUser is the SSH user when a nodes file names none.
const DefaultUser = "root"

// maxNodesFileSize bounds what LoadNodesFile reads: a nodes file is a short
// list, anything bigger is a mistake (a wrong path).
const maxNodesFileSize = 1 << 20

var (
	nodeNameRE = regexp.MustCompile(`^[a-z0-9-]+$`)
	hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	userRE     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$`)
	// yaml.v3 type errors read "line N: message".
	yamlLineRE   = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlSyntaxRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownRE    = regexp.MustCompile(`^field (\S+) not found in type cluster\.(\w+)$`)
)

// LoadNodesFile reads and validates the nodes file at path (docs/design.md,
// "Nodes file"). Unknown fields, a missing address, a duplicate name and
// the like are reported as one line naming the file, the line and the fix,
// wrapping ErrBadInput. A missing user defaults to root. The returned
// file's Path is path.
func LoadNodesFile(path string) (*NodesFile, error) {
	data, err := readLimited(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, BadInputf("cluster: nodes file %s not found (run faultline cluster up, or pass --nodes-file)", path)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, BadInputf("cluster: nodes file %s: %v", path, err)
	}
	nf, err := ParseNodesFile(data, path)
	if err != nil {
		return nil, err
	}
	return nf, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory (pass the YAML file itself)")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxNodesFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxNodesFileSize {
		return nil, fmt.Errorf("is larger than %d bytes (is this really a nodes file?)", maxNodesFileSize)
	}
	return data, nil
}

// ParseNodesFile parses and validates the YAML of a nodes file; path is used
// in errors and recorded in the result's Path (relative identity and
// known_hosts paths are resolved against its directory).
func ParseNodesFile(data []byte, path string) (*NodesFile, error) {
	bad := func(line int, format string, args ...any) error {
		where := "nodes file " + path
		if line > 0 {
			where += " line " + strconv.Itoa(line)
		}
		return BadInputf("cluster: %s: %s", where, fmt.Sprintf(format, args...))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, bad(0, "is empty (it needs nodes: - {name: n1, address: IP})")
	}

	// Pass 1: the node tree, for syntax errors and line numbers.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(bad, err)
	}
	var top *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		top = root.Content[0]
	}
	if top == nil || top.Kind != yaml.MappingNode {
		line := 0
		if top != nil {
			line = top.Line
		}
		return nil, bad(line, "the top level must be a mapping of user, identity, known_hosts and nodes")
	}

	// Pass 2: the typed decode, refusing unknown fields.
	var nf NodesFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&nf); err != nil {
		return nil, yamlError(bad, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, bad(extra.Line, "holds more than one YAML document (remove the second ---)")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(bad, err)
	}
	nf.Path = path

	fieldLine := func(key string) int {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == key {
				return top.Content[i+1].Line
			}
		}
		return 0
	}
	var nodeLines []int
	if seq := findKey(top, "nodes"); seq != nil && seq.Kind == yaml.SequenceNode {
		for _, n := range seq.Content {
			nodeLines = append(nodeLines, n.Line)
		}
	}
	nodeLine := func(i int) int {
		if i < len(nodeLines) {
			return nodeLines[i]
		}
		return fieldLine("nodes")
	}

	if nf.User == "" {
		nf.User = DefaultUser
	} else if !userRE.MatchString(nf.User) {
		return nil, bad(fieldLine("user"), "user %q is not a valid user name (write e.g. user: root)", nf.User)
	}
	if strings.ContainsAny(nf.Identity, "\x00\n") {
		return nil, bad(fieldLine("identity"), "identity is not a valid path (write identity: PATH-TO-PRIVATE-KEY)")
	}
	if strings.ContainsAny(nf.KnownHosts, "\x00\n") {
		return nil, bad(fieldLine("known_hosts"), "known_hosts is not a valid path (write known_hosts: PATH)")
	}
	if len(nf.Nodes) == 0 {
		return nil, bad(fieldLine("nodes"), "has no nodes (add nodes: - {name: n1, address: IP})")
	}
	names := map[string]int{}
	endpoints := map[string]string{}
	for i, n := range nf.Nodes {
		line := nodeLine(i)
		label := fmt.Sprintf("node %d", i+1)
		if n.Name != "" {
			label = fmt.Sprintf("node %q", n.Name)
		}
		switch {
		case n.Name == "":
			return nil, bad(line, "%s has no name (add name: n%d)", label, i+1)
		case len(n.Name) > 63 || !nodeNameRE.MatchString(n.Name):
			return nil, bad(line, "node name %q is not valid (use lower-case letters, digits and -, e.g. n%d)", n.Name, i+1)
		}
		if prev, ok := names[n.Name]; ok {
			return nil, bad(line, "node %q is listed twice (also at line %d; give each node its own name)", n.Name, prev)
		}
		names[n.Name] = line
		if n.Address == "" {
			return nil, bad(line, "%s has no address (add address: IP)", label)
		}
		if err := checkAddress(n.Address); err != nil {
			return nil, bad(line, "%s: %v", label, err)
		}
		if n.Port < 0 || n.Port > 65535 {
			return nil, bad(line, "%s has port %d (use 1..65535, or leave it out for 22)", label, n.Port)
		}
		ep := net.JoinHostPort(n.Address, strconv.Itoa(n.PortOr22()))
		if other, ok := endpoints[ep]; ok {
			return nil, bad(line, "%s has the same address and port as node %q (%s; each node needs its own)", label, other, ep)
		}
		endpoints[ep] = n.Name
	}
	return &nf, nil
}

// PortOr22 is the node's SSH port: Port, or 22 when Port is 0.
func (n Node) PortOr22() int {
	if n.Port == 0 {
		return 22
	}
	return n.Port
}

func checkAddress(a string) error {
	if net.ParseIP(a) != nil {
		return nil
	}
	if h, p, err := net.SplitHostPort(a); err == nil {
		return fmt.Errorf("address %q includes a port (write address: %s and port: %s)", a, h, p)
	}
	if len(a) > 253 || !hostnameRE.MatchString(a) {
		return fmt.Errorf("address %q is neither an IP address nor a host name (write address: IP)", a)
	}
	return nil
}

func findKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// yamlError turns a yaml.v3 error into our one-line form.
func yamlError(bad func(int, string, ...any) error, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		m := yamlLineRE.FindStringSubmatch(te.Errors[0])
		if m == nil {
			return bad(0, "%s", oneLine(te.Errors[0]))
		}
		line, _ := strconv.Atoi(m[1])
		msg := m[2]
		if u := unknownRE.FindStringSubmatch(msg); u != nil {
			if u[2] == "Node" {
				return bad(line, "unknown field %q in a node (allowed: name, address, port)", u[1])
			}
			return bad(line, "unknown field %q (allowed: user, identity, known_hosts, nodes)", u[1])
		}
		if strings.Contains(msg, "into cluster.NodesFile") {
			return bad(line, "the top level must be a mapping of user, identity, known_hosts and nodes")
		}
		if strings.Contains(msg, "into cluster.Node") {
			return bad(line, "each node must be a mapping like {name: n1, address: IP}")
		}
		if strings.Contains(msg, "into []cluster.Node") {
			return bad(line, "nodes must be a list like - {name: n1, address: IP}")
		}
		if strings.Contains(msg, "already defined") {
			return bad(line, "%s (keep only one of them)", oneLine(msg))
		}
		if strings.Contains(msg, "into int") {
			return bad(line, "%s (port must be a number)", oneLine(msg))
		}
		return bad(line, "%s (fix the value's type)", oneLine(msg))
	}
	msg := oneLine(err.Error())
	if m := yamlSyntaxRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return bad(line, "YAML syntax error: %s", m[2])
	}
	return bad(0, "YAML error: %s", strings.TrimPrefix(msg, "yaml: "))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// IdentityPath is the private key's path: Identity resolved against the
// directory of the nodes file (a leading ~/ is the home directory), or ""
// when the file names no identity.
func (f *NodesFile) IdentityPath() string { return f.resolve(f.Identity) }

// KnownHostsPath is the known_hosts path, resolved like IdentityPath, or ""
// when the file names none.
func (f *NodesFile) KnownHostsPath() string { return f.resolve(f.KnownHosts) }

func (f *NodesFile) resolve(p string) string {
	if p == "" {
		return ""
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	dir := "."
	if f.Path != "" {
		dir = filepath.Dir(f.Path)
	}
	return filepath.Join(dir, p)
}

// Node returns the node named name, and whether there is one.
func (f *NodesFile) Node(name string) (Node, bool) {
	for _, n := range f.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// WriteNodesFile writes f as YAML to path atomically (a temporary file in the
// same directory, fsynced, then renamed), and sets f.Path to path.
func WriteNodesFile(path string, f *NodesFile) error {
	var buf bytes.Buffer
	buf.WriteString("# faultline nodes file (docs/design.md, \"Nodes file\"); identity and known_hosts are relative to this file.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("cluster: nodes file %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("cluster: nodes file %s: %w", path, err)
	}
	if err := writeFileAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("cluster: nodes file %s: %w", path, err)
	}
	f.Path = path
	return nil
}

// writeFileAtomic replaces path with data so that a reader sees the old or
// the new content, never a torn one.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
