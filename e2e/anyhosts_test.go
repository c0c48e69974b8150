package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
)

// The any-hosts test logs in as this user, created on the host (namespace
// nodes share the host's /etc) and removed in cleanup.
const (
	testUser    = "flt-test"
	sudoersFile = "/etc/sudoers.d/faultline-test"
	altPort     = 2222
)

type clusterState struct {
	Nodes []struct {
		Name    string `json:"name"`
		Address string `json:"address"`
		Dir     string `json:"dir"`
		SSHDPid int    `json:"sshd_pid"`
	} `json:"nodes"`
}

func run(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// addTestUser creates testUser with passwordless sudo and removes both in
// cleanup. The account gets password "*" (no password, but not locked:
// the nodes' sshd runs without PAM and refuses locked accounts).
func addTestUser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/sudo"); err != nil {
		t.Skip("sudo not installed (make setup installs it)")
	}
	if out, err := exec.Command("id", testUser).CombinedOutput(); err == nil {
		t.Fatalf("user %s already exists (%s): a previous run did not clean up; remove it with userdel -r %s", testUser, bytes.TrimSpace(out), testUser)
	}
	run(t, "useradd", "--create-home", "--shell", "/bin/sh", testUser)
	t.Cleanup(func() {
		os.Remove(sudoersFile)
		if out, err := exec.Command("userdel", "--remove", testUser).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", testUser, err, out)
		}
	})
	run(t, "usermod", "--password", "*", testUser)
	if err := os.WriteFile(sudoersFile, []byte(testUser+" ALL=(ALL:ALL) NOPASSWD: ALL\n"), 0o440); err != nil {
		t.Fatal(err)
	}
	run(t, "visudo", "-c", "-f", sudoersFile)
}

// startAltSSHD starts a second sshd on altPort inside each node's
// namespaces (network, mount, UTS, PID: the same node as its port-22
// sshd), with the node's host key, and stops it by PID in cleanup.
func startAltSSHD(t *testing.T, st clusterState) {
	t.Helper()
	for _, n := range st.Nodes {
		cfg, err := os.ReadFile(filepath.Join(n.Dir, "sshd_config"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		os.Chmod(dir, 0o755)
		var lines []string
		for _, l := range strings.Split(string(cfg), "\n") {
			switch {
			case strings.HasPrefix(l, "ListenAddress "):
				l = fmt.Sprintf("ListenAddress %s:%d", n.Address, altPort)
			case strings.HasPrefix(l, "PidFile "):
				l = "PidFile " + strconv.Quote(filepath.Join(dir, "sshd.pid"))
			}
			lines = append(lines, l)
		}
		path := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, "sshd.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("nsenter", "--target", strconv.Itoa(n.SSHDPid), "--net", "--mount", "--uts", "--pid",
			"--", "/usr/sbin/sshd", "-D", "-e", "-f", path)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// nsenter forked sshd into the node's PID namespace: stop that
			// child by its host PID, then reap nsenter.
			for _, c := range childPIDs(cmd.Process.Pid) {
				syscall.Kill(c, syscall.SIGTERM)
			}
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			logf.Close()
		})
		waitListening(t, n.Address, altPort, filepath.Join(dir, "sshd.log"))
	}
}

func childPIDs(pid int) []int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func waitListening(t *testing.T, addr string, port int, log string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("ssh-keyscan", "-T", "1", "-p", strconv.Itoa(port), addr).Output()
		if len(out) > 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(log)
	t.Fatalf("sshd on %s:%d did not come up:\n%s", addr, port, b)
}

// portKnownHosts rewrites the cluster's known_hosts for another port.
func portKnownHosts(t *testing.T, src, dst string, port int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		host, rest, _ := strings.Cut(l, " ")
		out = append(out, fmt.Sprintf("[%s]:%d %s", host, port, rest))
	}
	if err := os.WriteFile(dst, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startAgent runs an ssh-agent owned by the test with key loaded and
// returns its socket.
func startAgent(t *testing.T, key string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	cmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ssh-agent did not create its socket")
		}
		time.Sleep(20 * time.Millisecond)
	}
	add := exec.Command("ssh-add", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	return sock
}

// cliEnv runs faultline with extra environment variables.
func cliEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "faultline"), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("faultline %v: %v", args, err)
	}
	t.Logf("faultline %s -> exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), lastLines(errb.String(), 30))
	return out.String(), errb.String(), code
}

// okPartition reports whether a run's history has a start-partition that
// completed ok: iptables rules were applied on the nodes.
func okPartition(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"f":"start-partition"`) && strings.Contains(l, `"type":"ok"`) {
			return true
		}
	}
	return false
}

// TestAnyHosts drives namespace nodes the way a user's own hosts are
// driven: a non-root user with passwordless sudo, a key from ssh-agent,
// host aliases from ~/.ssh/config, sshd on port 2222, and host keys that
// are unknown or changed.
func TestAnyHosts(t *testing.T) {
	requireRoot(t)
	const name = "e2ehost"
	home := upNamedCluster(t, name, "198.18.74.0/24")
	state := filepath.Join(home, "clusters", name)
	var st clusterState
	b, err := os.ReadFile(filepath.Join(state, "cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	// sshd reads authorized_keys as the user logging in: the test's
	// temporary directories (0700) must let flt-test pass through.
	for _, d := range []string{filepath.Dir(home), home} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	addTestUser(t)
	key := filepath.Join(state, "id_ed25519")
	known := filepath.Join(state, "known_hosts")
	work := t.TempDir()
	store := t.TempDir()

	t.Run("control/ssh as a non-root user with sudo", func(t *testing.T) {
		ctx := context.Background()
		n := st.Nodes[0]
		r, err := ssh.Dial(ctx, ssh.Config{Node: n.Name, Host: n.Address, User: testUser,
			IdentityFile: key, KnownHostsFile: known, SSHConfigFile: "none"})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if out, err := control.Exec(ctx, r, false, "id", "-un"); err != nil || strings.TrimSpace(out) != testUser {
			t.Fatalf("id -un = %q, %v; want %s", out, err, testUser)
		}
		if out, err := control.Exec(ctx, r, true, "id", "-u"); err != nil || strings.TrimSpace(out) != "0" {
			t.Fatalf("sudo id -u = %q, %v; want 0", out, err)
		}
		// Upload into a root-owned directory: SFTP is refused, so the file
		// is staged in /tmp and moved with sudo.
		dst := "/opt/faultline/anyhosts/payload"
		t.Cleanup(func() { r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"rm", "-rf", "/opt/faultline/anyhosts"}}) })
		if _, err := r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"install", "-d", "-m", "0755", "/opt/faultline/anyhosts"}}); err != nil {
			t.Fatal(err)
		}
		local := filepath.Join(work, "payload")
		payload := []byte("faultline any-hosts payload\n")
		if err := os.WriteFile(local, payload, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := r.Upload(ctx, local, dst, 0o755); err != nil {
			t.Fatalf("upload into a root-owned directory: %v", err)
		}
		// The node's /opt/faultline is the cluster's nodes/n1/opt.
		got, err := os.ReadFile(filepath.Join(n.Dir, "opt", "anyhosts", "payload"))
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("uploaded file = %q, %v", got, err)
		}
		// Download a file only root may read: sudo cat.
		secret := "/opt/faultline/anyhosts/secret"
		if _, err := r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"sh", "-c", `echo root-only > "$1" && chmod 600 "$1"`, "sh", secret}}); err != nil {
			t.Fatal(err)
		}
		back := filepath.Join(work, "secret")
		if err := r.Download(ctx, secret, back); err != nil {
			t.Fatalf("download of a root-only file: %v", err)
		}
		if got, _ := os.ReadFile(back); string(got) != "root-only\n" {
			t.Fatalf("downloaded %q", got)
		}
	})

	t.Run("test through sudo", func(t *testing.T) {
		nf := filepath.Join(work, "sudo-nodes.yaml")
		var sb strings.Builder
		fmt.Fprintf(&sb, "user: %s\nidentity: %s\nknown_hosts: %s\nnodes:\n", testUser, key, known)
		for _, n := range st.Nodes {
			fmt.Fprintf(&sb, "  - {name: %s, address: %s}\n", n.Name, n.Address)
		}
		if err := os.WriteFile(nf, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, _, code := cliEnv(t, nil, "test", "--nodes-file", nf, "--store", store,
			"--target", "register", "--nemesis", "partition", "--time-limit", "15s", "--nemesis-interval", "3s", "--seed", "3")
		dir := runDir(t, stdout)
		if code != 0 {
			t.Fatalf("register through sudo: exit %d; want 0", code)
		}
		if !okPartition(t, dir) {
			t.Fatal("no start-partition completed ok: iptables was not applied through sudo")
		}
	})

	t.Run("test through port 2222, ssh config aliases and ssh-agent", func(t *testing.T) {
		startAltSSHD(t, st)
		sock := startAgent(t, key)
		fakeHome := t.TempDir()
		os.MkdirAll(filepath.Join(fakeHome, ".ssh"), 0o700)
		kh := filepath.Join(work, "known_hosts_2222")
		portKnownHosts(t, known, kh, altPort)
		// n1..n3 by alias (HostName and Port from ~/.ssh/config), n4 and
		// n5 by address with port: 2222 in the nodes file; no identity
		// file: the key comes from the agent.
		var cfg, nodes strings.Builder
		for i, n := range st.Nodes {
			if i < 3 {
				alias := "flt-" + n.Name
				fmt.Fprintf(&cfg, "Host %s\n  HostName %s\n  Port %d\n\n", alias, n.Address, altPort)
				fmt.Fprintf(&nodes, "  - {name: %s, address: %s}\n", n.Name, alias)
			} else {
				fmt.Fprintf(&nodes, "  - {name: %s, address: %s, port: %d}\n", n.Name, n.Address, altPort)
			}
		}
		if err := os.WriteFile(filepath.Join(fakeHome, ".ssh", "config"), []byte(cfg.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		nf := filepath.Join(work, "alias-nodes.yaml")
		if err := os.WriteFile(nf, []byte(fmt.Sprintf("user: %s\nknown_hosts: %s\nnodes:\n%s", testUser, kh, nodes.String())), 0o644); err != nil {
			t.Fatal(err)
		}
		env := []string{"HOME=" + fakeHome, "SSH_AUTH_SOCK=" + sock}
		stdout, _, code := cliEnv(t, env, "test", "--nodes-file", nf, "--store", store,
			"--target", "register", "--nemesis", "partition", "--time-limit", "15s", "--nemesis-interval", "3s", "--seed", "4")
		dir := runDir(t, stdout)
		if code != 0 {
			t.Fatalf("register through port %d: exit %d; want 0", altPort, code)
		}
		if !okPartition(t, dir) {
			t.Fatal("no start-partition completed ok")
		}
		var cfgJSON struct {
			Nodes []struct {
				Name, Address string
			} `json:"nodes"`
		}
		b, _ := os.ReadFile(filepath.Join(dir, "test.json"))
		json.Unmarshal(b, &cfgJSON)
		for _, n := range cfgJSON.Nodes {
			if strings.HasPrefix(n.Address, "flt-") {
				t.Errorf("test.json records node %s at alias %s, not the address it reached", n.Name, n.Address)
			}
		}
	})

	t.Run("unknown and changed host keys are refused clearly", func(t *testing.T) {
		n := st.Nodes[0]
		write := func(file, khContent string) string {
			kh := filepath.Join(work, file+".known_hosts")
			os.WriteFile(kh, []byte(khContent), 0o644)
			nf := filepath.Join(work, file+".yaml")
			os.WriteFile(nf, []byte(fmt.Sprintf("user: %s\nidentity: %s\nknown_hosts: %s\nnodes:\n  - {name: %s, address: %s}\n",
				testUser, key, kh, n.Name, n.Address)), 0o644)
			return nf
		}
		unknown := write("unknown", "198.18.74.99 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA3Py65LTWf1LEScsVKD2TCJF8UF0LNMTjPCAzwVG7Kb\n")
		_, stderr, code := cliEnv(t, nil, "test", "--nodes-file", unknown, "--store", store, "--time-limit", "2s", "--nemesis", "none")
		if code != 255 || !strings.Contains(stderr, "host key not in known_hosts") {
			t.Errorf("unknown host key: exit %d, stderr %q; want 255 and 'host key not in known_hosts'", code, stderr)
		}
		// Another node's key for this address: a changed key.
		other := st.Nodes[1]
		kb, _ := os.ReadFile(known)
		var wrong string
		for _, l := range strings.Split(string(kb), "\n") {
			if h, rest, ok := strings.Cut(l, " "); ok && h == other.Address {
				wrong = n.Address + " " + rest + "\n"
			}
		}
		changed := write("changed", wrong)
		_, stderr, code = cliEnv(t, nil, "test", "--nodes-file", changed, "--store", store, "--time-limit", "2s", "--nemesis", "none")
		if code != 255 || !strings.Contains(stderr, "host key CHANGED") {
			t.Errorf("changed host key: exit %d, stderr %q; want 255 and 'host key CHANGED'", code, stderr)
		}
	})
}
