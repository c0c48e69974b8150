package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Files of a node directory STATE/nodes/<name>.
const (
	nodeOptDir  = "opt"  // bind-mounted onto the node's /opt/faultline
	nodeHomeDir = "home" // bind-mounted onto the node's /root
	hostKeyFile = "ssh_host_ed25519_key"
	sshdConfig  = "sshd_config"
	sshdPIDFile = "sshd.pid"
	sshdLogFile = "sshd.log"
)

// optMount is where each node sees its own directory.
const optMount = "/opt/faultline"

// homeMount is root's home, private per node like on a VM: a session's
// shell reads the node's own dotfiles, never the host's (whose start-up
// scripts may be slow, take locks or print), and what one node writes to
// ~ is not seen by another.
const homeMount = "/root"

// sshdConfigText is the node's whole sshd configuration: nothing is read
// from /etc/ssh, and only the cluster's key may log in.
func sshdConfigText(nodeDir, stateDir, addr string) string {
	q := strconv.Quote
	return strings.Join([]string{
		"# written by faultline cluster up; the node's sshd reads nothing else",
		"ListenAddress " + addr + ":22",
		"HostKey " + q(filepath.Join(nodeDir, hostKeyFile)),
		"AuthorizedKeysFile " + q(filepath.Join(stateDir, "authorized_keys")),
		"PidFile " + q(filepath.Join(nodeDir, sshdPIDFile)),
		"PermitRootLogin prohibit-password",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"UseDNS no",
		"PrintMotd no",
		"X11Forwarding no",
		"Subsystem sftp internal-sftp",
		// The harness opens many sessions at once (clients, nemesis, log
		// collection); sshd's default of 10 unauthenticated connections
		// would drop some.
		"MaxStartups 200",
		"MaxSessions 200",
		"LogLevel INFO",
		"",
	}, "\n")
}

// nodeScript runs as PID 1 of the node's new PID namespace, inside its new
// mount and UTS namespaces: $1 hostname, $2 the node's directory to mount
// on /opt/faultline, $3 sshd_config, $4 the node's home for /root.
const nodeScript = `set -e
mount --make-rprivate /
echo "$1" > /proc/sys/kernel/hostname
mkdir -p ` + optMount + ` /run/sshd
mount --bind "$2" ` + optMount + `
mount --bind "$4" ` + homeMount + `
exec ` + sshdPath + ` -D -e -f "$3"
`

// startNode starts the node's sshd detached from us (own session and
// process group, stdio to sshd.log), so it outlives the faultline command,
// and returns the sshd's host PID.
func startNode(ctx context.Context, t tools, n nodeState, configPath string) (int, error) {
	logPath := filepath.Join(n.Dir, sshdLogFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("cluster/local: node %q: %w", n.Name, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- faultline: starting node %s at %s\n", n.Name, time.Now().UTC().Format(time.RFC3339))
	cmd := exec.Command(t.ip, "netns", "exec", n.Netns,
		t.unshare, "--mount", "--pid", "--uts", "--fork", "--mount-proc", "--",
		"/bin/sh", "-c", nodeScript, "faultline-node",
		n.Name, filepath.Join(n.Dir, nodeOptDir), configPath, filepath.Join(n.Dir, nodeHomeDir))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cluster/local: node %q: starting sshd: %w", n.Name, err)
	}
	// Reap the launcher (unshare) if it ends while we still run; when we
	// exit first, init adopts it.
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()

	launcher := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid := childOf(launcher); pid > 0 && sshdAlive(pid, n.Netns) {
			return pid, nil
		}
		select {
		case <-exited:
			return 0, fmt.Errorf("cluster/local: node %q: sshd exited at start: %s (log %s)", n.Name, logTail(logPath), logPath)
		case <-ctx.Done():
			return 0, fmt.Errorf("cluster/local: node %q: waiting for sshd: %w", n.Name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("cluster/local: node %q: sshd did not start within 10s (log %s)", n.Name, logPath)
		}
	}
}

// childOf returns the first child of pid, or 0.
func childOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	c, _ := strconv.Atoi(f[0])
	return c
}

// logTail is the last non-empty lines of a log, joined on one line.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(string(bytes.TrimSpace(data)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " | ")
}
