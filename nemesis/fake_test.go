package nemesis

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/control"
)

// fakeNet simulates the iptables state and TCP reachability of a cluster,
// and records every command each node ran. Its iptables answers with the
// exit codes iptables 1.8 gives (checked on Debian 12).
type fakeNet struct {
	mu    sync.Mutex
	nodes map[string]*fakeNode
	order []string
}

type fakeNode struct {
	name, ip string
	chain    bool     // FAULTLINE exists
	rules    []string // FAULTLINE's DROP sources, as given to -s
	jumps    int      // INPUT rules "-j FAULTLINE"
	log      []control.Cmd

	files    map[string]string // files written by the clock nemesis's scripts
	readOnly bool              // file writes fail (a full or read-only disk)

	down         bool // every Run fails with a transport error
	ignoreAppend bool // -A succeeds but adds nothing (a broken firewall)
	leaky        bool // probes from here always connect
}

func newFakeNet(n int) (*fakeNet, Env) {
	f := &fakeNet{nodes: map[string]*fakeNode{}}
	env := Env{Addrs: map[string]string{}, Remotes: map[string]control.Remote{}}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("n%d", i)
		ip := fmt.Sprintf("198.18.0.%d", 10+i)
		f.nodes[name] = &fakeNode{name: name, ip: ip, files: map[string]string{}}
		f.order = append(f.order, name)
		env.Nodes = append(env.Nodes, name)
		env.Addrs[name] = ip
		env.Remotes[name] = &fakeRemote{net: f, node: name}
	}
	return f, env
}

// drops reports whether node x drops packets from ip.
func (x *fakeNode) drops(ip string) bool {
	return x.chain && x.jumps > 0 && slices.Contains(x.rules, ip)
}

func (f *fakeNet) byIP(ip string) *fakeNode {
	for _, n := range f.nodes {
		if n.ip == ip {
			return n
		}
	}
	return nil
}

// logOf returns the argvs node ran, joined by spaces, and clears the log.
func (f *fakeNet) logOf(node string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.nodes[node].log {
		s := strings.Join(c.Argv, " ")
		if c.Sudo {
			s = "sudo " + s
		}
		out = append(out, s)
	}
	f.nodes[node].log = nil
	return out
}

type fakeRemote struct {
	net  *fakeNet
	node string
}

func (r *fakeRemote) Node() string { return r.node }
func (r *fakeRemote) Close() error { return nil }
func (r *fakeRemote) Upload(context.Context, string, string, os.FileMode) error {
	return fmt.Errorf("fake: no upload")
}
func (r *fakeRemote) Download(context.Context, string, string) error {
	return fmt.Errorf("fake: no download")
}

func (r *fakeRemote) Run(ctx context.Context, cmd control.Cmd) (control.Result, error) {
	f := r.net
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.nodes[r.node]
	x.log = append(x.log, cmd)
	if x.down {
		return control.Result{}, fmt.Errorf("fake: dial %s: %w", r.node, control.ErrTransport)
	}
	exit := func(code int, msg string) (control.Result, error) {
		return control.Result{ExitCode: code, Stderr: []byte(msg)},
			&control.ExitError{Node: r.node, Argv: cmd.Argv, Code: code, Stderr: msg}
	}
	a := cmd.Argv
	if len(a) == 6 && a[0] == "timeout" && a[1] == "1" && a[2] == "bash" && a[3] == "-c" && a[4] == "exec 3<>/dev/tcp/$0/22" {
		to := f.byIP(a[5])
		if to == nil {
			return exit(124, "")
		}
		if x.leaky || (!x.drops(to.ip) && !to.drops(x.ip)) {
			return control.Result{}, nil
		}
		return exit(124, "")
	}
	switch {
	case len(a) == 6 && a[0] == "sh" && a[1] == "-c" && a[2] == clockWriteScript && a[3] == "sh":
		if !cmd.Sudo || x.readOnly {
			return exit(1, "sh: cannot create "+a[5]+".tmp: Permission denied")
		}
		x.files[a[5]] = a[4] + "\n"
		return control.Result{}, nil
	case len(a) == 5 && a[0] == "sh" && a[1] == "-c" && a[2] == clockReadScript && a[3] == "sh":
		return control.Result{Stdout: []byte(x.files[a[4]])}, nil
	case len(a) == 3 && a[0] == "rm" && a[1] == "-f":
		if !cmd.Sudo || x.readOnly {
			return exit(1, "rm: cannot remove '"+a[2]+"': Permission denied")
		}
		delete(x.files, a[2])
		return control.Result{}, nil
	}
	if len(a) < 3 || a[0] != "iptables" || a[1] != "-w" {
		return exit(127, "fake: unknown command")
	}
	if !cmd.Sudo {
		return exit(4, "iptables: Permission denied (you must be root)")
	}
	switch s := strings.Join(a[2:], " "); {
	case s == "-S FAULTLINE":
		if !x.chain {
			return exit(1, "chain `FAULTLINE' in table `filter' is incompatible")
		}
		out := "-N FAULTLINE\n"
		for _, ip := range x.rules {
			out += "-A FAULTLINE -s " + ip + "/32 -j DROP\n"
		}
		return control.Result{Stdout: []byte(out)}, nil
	case s == "-N FAULTLINE":
		if x.chain {
			return exit(1, "iptables: Chain already exists.")
		}
		x.chain = true
	case s == "-F FAULTLINE":
		if !x.chain {
			return exit(1, "iptables: No chain/target/match by that name.")
		}
		x.rules = nil
	case s == "-X FAULTLINE":
		if !x.chain {
			return exit(1, "iptables: No chain/target/match by that name.")
		}
		if x.jumps > 0 || len(x.rules) > 0 {
			return exit(4, "CHAIN_DEL failed (Device or resource busy)")
		}
		x.chain = false
	case s == "-C INPUT -j FAULTLINE":
		if !x.chain {
			return exit(2, "Chain 'FAULTLINE' does not exist")
		}
		if x.jumps == 0 {
			return exit(1, "iptables: Bad rule (does a matching rule exist in that chain?).")
		}
	case s == "-I INPUT 1 -j FAULTLINE":
		if !x.chain {
			return exit(2, "Couldn't load target `FAULTLINE'")
		}
		x.jumps++
	case s == "-D INPUT -j FAULTLINE":
		if x.jumps == 0 {
			return exit(1, "iptables: Bad rule (does a matching rule exist in that chain?).")
		}
		x.jumps--
	case len(a) == 8 && a[2] == "-A" && a[3] == "FAULTLINE" && a[4] == "-s" && a[6] == "-j" && a[7] == "DROP":
		if !x.chain {
			return exit(1, "iptables: No chain/target/match by that name.")
		}
		if !x.ignoreAppend {
			x.rules = append(x.rules, a[5])
		}
	default:
		return exit(2, "fake: iptables command not modelled: "+s)
	}
	return control.Result{}, nil
}
