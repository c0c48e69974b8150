package ssh

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const sshdPath = "/usr/sbin/sshd"

// testServer is a real OpenSSH sshd on 127.0.0.1, started for one test with
// its own host keys and authorized key, stopped by PID in t.Cleanup.
type testServer struct {
	dir        string
	addr       string
	port       int
	ed25519    gossh.PublicKey // host keys
	ecdsa      gossh.PublicKey
	clientKey  string // private key file, authorized
	knownHosts string // both host keys for addr
	pid        int
}

// needRoot skips when not root: sshd must run as root to log users in.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run sshd")
	}
}

func writeKey(t testing.TB, file string, key crypto.PrivateKey) gossh.PublicKey {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(key, "faultline-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return signer.PublicKey()
}

func newEd25519(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects sshd's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startSSHD(t testing.TB) *testServer {
	t.Helper()
	needRoot(t)
	if _, err := os.Stat(sshdPath); err != nil {
		t.Fatalf("%s not found: install openssh-server (run the project's setup step: apt-get install -y openssh-server): %v", sshdPath, err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &testServer{dir: dir}
	s.ed25519 = writeKey(t, filepath.Join(dir, "host_ed25519"), newEd25519(t))
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.ecdsa = writeKey(t, filepath.Join(dir, "host_ecdsa"), ec)
	s.clientKey = filepath.Join(dir, "id_ed25519")
	clientPub := writeKey(t, s.clientKey, newEd25519(t))
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), gossh.MarshalAuthorizedKey(clientPub), 0o600); err != nil {
		t.Fatal(err)
	}

	var log lockedBuffer
	for try := 0; ; try++ {
		s.port = freePort(t)
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		config := fmt.Sprintf(`ListenAddress %s
HostKey %s
HostKey %s
AuthorizedKeysFile %s
PidFile %s
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
LogLevel VERBOSE
`, s.addr, filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "host_ecdsa"),
			filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
		conf := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sshdPath, "-D", "-e", "-f", conf)
		cmd.Stdout, cmd.Stderr = &log, &log
		// If the test process dies without cleanup (a fuzz worker stopped
		// by the coordinator), the kernel stops sshd with it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		runtime.LockOSThread() // Pdeathsig follows the forking thread
		err := cmd.Start()
		runtime.UnlockOSThread()
		if err != nil {
			t.Fatalf("start sshd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			syscall.Kill(pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				syscall.Kill(pid, syscall.SIGKILL)
				<-exited
			}
			if t.Failed() {
				t.Logf("sshd log:\n%s", log.String())
			}
		})
		if waitBanner(s.addr, exited) {
			s.pid = pid
			break
		}
		if try == 2 {
			t.Fatalf("sshd did not come up on %s:\n%s", s.addr, log.String())
		}
	}

	s.knownHosts = filepath.Join(dir, "known_hosts")
	s.writeKnownHosts(t, s.knownHosts, s.ed25519, s.ecdsa)
	return s
}

// waitBanner waits until addr greets with "SSH-", or sshd exits.
func waitBanner(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-") {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (s *testServer) writeKnownHosts(t testing.TB, file string, keys ...gossh.PublicKey) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# test known_hosts\n")
	for _, k := range keys {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, k) + "\n")
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// config is a working client config for the server.
func (s *testServer) config() Config {
	return Config{
		Node:           "n1",
		Host:           "127.0.0.1",
		Port:           s.port,
		User:           "root",
		IdentityFile:   s.clientKey,
		KnownHostsFile: s.knownHosts,
		DialTimeout:    5 * time.Second,
		SSHConfigFile:  "none",
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func (s *testServer) dial(t testing.TB) *Remote {
	t.Helper()
	r, err := Dial(context.Background(), s.config())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
