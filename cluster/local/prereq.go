package local

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrPrerequisite marks a machine that cannot run a local cluster: not
// root, or a missing tool. The message names the fix.
var ErrPrerequisite = errors.New("cluster/local: prerequisite missing")

type prereqError struct{ msg string }

func (e *prereqError) Error() string { return e.msg }
func (e *prereqError) Unwrap() error { return ErrPrerequisite }

// sshdPath is the sshd every node runs. sshd re-executes itself, so it must
// be an absolute path.
const sshdPath = "/usr/sbin/sshd"

// tools are the resolved paths of the commands the cluster runs.
type tools struct {
	ip, unshare, iptables string
}

// lookTool finds name on PATH or in the sbin directories root's PATH has
// but a user's may lack.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// checkPrereqs verifies that this process can build a local cluster.
func checkPrereqs() (tools, error) {
	var t tools
	if os.Geteuid() != 0 {
		return t, &prereqError{"cluster/local: the local cluster needs root for namespaces, veths and a bridge (run as root, e.g. sudo faultline cluster up)"}
	}
	need := []struct {
		name, pkg string
		dst       *string
	}{
		{"ip", "iproute2", &t.ip},
		{"unshare", "util-linux", &t.unshare},
		{"iptables", "iptables", &t.iptables},
	}
	for _, n := range need {
		p, err := lookTool(n.name)
		if err != nil {
			return t, &prereqError{fmt.Sprintf("cluster/local: %s not found (install %s: make setup)", n.name, n.pkg)}
		}
		*n.dst = p
	}
	if st, err := os.Stat(sshdPath); err != nil || st.IsDir() {
		return t, &prereqError{"cluster/local: sshd not found (install openssh-server: make setup)"}
	}
	return t, nil
}
