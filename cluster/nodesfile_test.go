package cluster

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const goodNodesFile = `user: root                  # ssh user
identity: id_ed25519
known_hosts: known_hosts
nodes:
  - {name: n1, address: 198.18.0.11}
  - {name: n2, address: 198.18.0.12, port: 22}
  - name: db-3
    address: db3.example.com
    port: 2222
`

func TestLoadNodesFileGood(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nodes.yaml")
	if err := os.WriteFile(path, []byte(goodNodesFile), 0o644); err != nil {
		t.Fatal(err)
	}
	nf, err := LoadNodesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &NodesFile{
		User: "root", Identity: "id_ed25519", KnownHosts: "known_hosts",
		Nodes: []Node{
			{Name: "n1", Address: "198.18.0.11"},
			{Name: "n2", Address: "198.18.0.12", Port: 22},
			{Name: "db-3", Address: "db3.example.com", Port: 2222},
		},
		Path: path,
	}
	if !reflect.DeepEqual(nf, want) {
		t.Fatalf("got %+v\nwant %+v", nf, want)
	}
	if got := nf.IdentityPath(); got != filepath.Join(dir, "id_ed25519") {
		t.Errorf("IdentityPath = %q", got)
	}
	if got := nf.KnownHostsPath(); got != filepath.Join(dir, "known_hosts") {
		t.Errorf("KnownHostsPath = %q", got)
	}
	if n, ok := nf.Node("db-3"); !ok || n.PortOr22() != 2222 {
		t.Errorf("Node(db-3) = %+v, %v", n, ok)
	}
	if n, _ := nf.Node("n1"); n.PortOr22() != 22 {
		t.Errorf("n1 port = %d, want 22", n.PortOr22())
	}
}

func TestNodesFileDefaultsAndPaths(t *testing.T) {
	nf, err := ParseNodesFile([]byte("nodes: [{name: a, address: 10.0.0.1}]\n"), "/etc/fl/nodes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if nf.User != "root" {
		t.Errorf("User = %q, want the default root", nf.User)
	}
	if nf.IdentityPath() != "" || nf.KnownHostsPath() != "" {
		t.Errorf("no identity/known_hosts given, got %q %q", nf.IdentityPath(), nf.KnownHostsPath())
	}
	nf.Identity = "/abs/key"
	nf.KnownHosts = "../kh"
	if nf.IdentityPath() != "/abs/key" || nf.KnownHostsPath() != "/etc/kh" {
		t.Errorf("got %q %q", nf.IdentityPath(), nf.KnownHostsPath())
	}
	home, err := os.UserHomeDir()
	if err == nil {
		nf.Identity = "~/.ssh/id_ed25519"
		if got := nf.IdentityPath(); got != filepath.Join(home, ".ssh/id_ed25519") {
			t.Errorf("~ not expanded: %q", got)
		}
	}
}

func TestLoadNodesFileErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"empty", "  \n", `cluster: nodes file nodes.yaml: is empty (it needs nodes: - {name: n1, address: IP})`},
		{"no nodes", "user: root\n", `cluster: nodes file nodes.yaml: has no nodes (add nodes: - {name: n1, address: IP})`},
		{"empty nodes", "user: root\nnodes: []\n", `cluster: nodes file nodes.yaml line 2: has no nodes (add nodes: - {name: n1, address: IP})`},
		{"no address", "user: root\nnodes:\n  - {name: n5, address: 10.0.0.5}\n  - {name: n6}\n", `cluster: nodes file nodes.yaml line 4: node "n6" has no address (add address: IP)`},
		{"no name", "nodes:\n  - {address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 2: node 1 has no name (add name: n1)`},
		{"bad name", "nodes:\n  - {name: N_1, address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 2: node name "N_1" is not valid (use lower-case letters, digits and -, e.g. n1)`},
		{"duplicate name", "nodes:\n  - {name: n1, address: 10.0.0.5}\n  - {name: n1, address: 10.0.0.6}\n", `cluster: nodes file nodes.yaml line 3: node "n1" is listed twice (also at line 2; give each node its own name)`},
		{"duplicate endpoint", "nodes:\n  - {name: n1, address: 10.0.0.5}\n  - {name: n2, address: 10.0.0.5, port: 22}\n", `cluster: nodes file nodes.yaml line 3: node "n2" has the same address and port as node "n1" (10.0.0.5:22; each node needs its own)`},
		{"port too big", "nodes:\n  - {name: n1, address: 10.0.0.5, port: 70000}\n", `cluster: nodes file nodes.yaml line 2: node "n1" has port 70000 (use 1..65535, or leave it out for 22)`},
		{"negative port", "nodes:\n  - {name: n1, address: 10.0.0.5, port: -1}\n", `cluster: nodes file nodes.yaml line 2: node "n1" has port -1 (use 1..65535, or leave it out for 22)`},
		{"port not a number", "nodes:\n  - name: n1\n    address: 10.0.0.5\n    port: ssh\n", "cluster: nodes file nodes.yaml line 4: cannot unmarshal !!str `ssh` into int (port must be a number)"},
		{"address with port", "nodes:\n  - {name: n1, address: \"10.0.0.5:2222\"}\n", `cluster: nodes file nodes.yaml line 2: node "n1": address "10.0.0.5:2222" includes a port (write address: 10.0.0.5 and port: 2222)`},
		{"address garbage", "nodes:\n  - {name: n1, address: \"a b\"}\n", `cluster: nodes file nodes.yaml line 2: node "n1": address "a b" is neither an IP address nor a host name (write address: IP)`},
		{"unknown top field", "user: root\nidentiy: key\nnodes:\n  - {name: n1, address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 2: unknown field "identiy" (allowed: user, identity, known_hosts, nodes)`},
		{"unknown node field", "nodes:\n  - name: n1\n    address: 10.0.0.5\n    host: x\n", `cluster: nodes file nodes.yaml line 4: unknown field "host" in a node (allowed: name, address, port)`},
		{"top is a list", "- {name: n1, address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 1: the top level must be a mapping of user, identity, known_hosts and nodes`},
		{"nodes is a map", "nodes: {name: n1}\n", `cluster: nodes file nodes.yaml line 1: nodes must be a list like - {name: n1, address: IP}`},
		{"node is a string", "nodes:\n  - n1\n", `cluster: nodes file nodes.yaml line 2: each node must be a mapping like {name: n1, address: IP}`},
		{"bad user", "user: \"a b\"\nnodes:\n  - {name: n1, address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 1: user "a b" is not a valid user name (write e.g. user: root)`},
		{"syntax", "user: root\nnodes:\n  - {name: n1, address: [\n", `cluster: nodes file nodes.yaml line 3: YAML syntax error: did not find expected node content`},
		{"duplicate key", "user: root\nuser: admin\nnodes:\n  - {name: n1, address: 10.0.0.5}\n", `cluster: nodes file nodes.yaml line 2: mapping key "user" already defined at line 1 (keep only one of them)`},
		{"two documents", "nodes:\n  - {name: n1, address: 10.0.0.5}\n---\nuser: x\n", `cluster: nodes file nodes.yaml line 3: holds more than one YAML document (remove the second ---)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseNodesFile([]byte(c.yaml), "nodes.yaml")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("error %q does not wrap ErrBadInput", err)
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
		})
	}
}

func TestLoadNodesFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := LoadNodesFile(path)
	want := "cluster: nodes file " + path + " not found (run faultline cluster up, or pass --nodes-file)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrBadInput) {
		t.Fatalf("got %v, want %q wrapping ErrBadInput", err, want)
	}
	_, err = LoadNodesFile(t.TempDir())
	if err == nil || !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("directory: got %v", err)
	}
}

func TestWriteNodesFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.yaml")
	in := &NodesFile{User: "admin", Identity: "id_ed25519", KnownHosts: "known_hosts",
		Nodes: []Node{{Name: "n1", Address: "198.18.0.11"}, {Name: "n2", Address: "fe80::1", Port: 2200}}}
	if err := WriteNodesFile(path, in); err != nil {
		t.Fatal(err)
	}
	if in.Path != path {
		t.Errorf("Path not set: %q", in.Path)
	}
	out, err := LoadNodesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: wrote %+v, read %+v", in, out)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func FuzzLoadNodesFile(f *testing.F) {
	f.Add([]byte(goodNodesFile))
	f.Add([]byte("nodes: [{name: a, address: 1.2.3.4, port: 1}]"))
	f.Add([]byte("- x\n"))
	f.Add([]byte("nodes:\n  - {name: n1, address: [\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		nf, err := ParseNodesFile(data, "fuzz.yaml")
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("error does not wrap ErrBadInput: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		// A file we accept has the invariants callers rely on.
		if len(nf.Nodes) == 0 || nf.User == "" {
			t.Fatalf("accepted a file without nodes or user: %+v", nf)
		}
		seen := map[string]bool{}
		for _, n := range nf.Nodes {
			if !nodeNameRE.MatchString(n.Name) || n.Address == "" || n.Port < 0 || n.Port > 65535 || seen[n.Name] {
				t.Fatalf("accepted a bad node: %+v", n)
			}
			seen[n.Name] = true
		}
	})
}
