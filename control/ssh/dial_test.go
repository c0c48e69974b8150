package ssh

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
)

func TestUnknownHostKeyRefused(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(cfg.KnownHostsFile, []byte("# empty\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Dial(context.Background(), cfg)
	want := "control/ssh: n1 (" + s.addr + "): host key not in known_hosts " + cfg.KnownHostsFile +
		" (add it, e.g. with ssh-keyscan, or pass --insecure-ignore-host-keys)"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrHostKey) || errors.Is(err, control.ErrTransport) {
		t.Errorf("unknown host key must be ErrHostKey and not a transport error: %v", err)
	}
}

func TestChangedHostKeyRefused(t *testing.T) {
	s := startSSHD(t)
	other := startSSHD(t) // its keys are not s's keys
	cfg := s.config()
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	s.writeKnownHosts(t, cfg.KnownHostsFile, other.ed25519)
	_, err := Dial(context.Background(), cfg)
	if err == nil {
		t.Fatal("dial succeeded with a changed host key")
	}
	for _, part := range []string{"control/ssh: n1 (" + s.addr + "): host key CHANGED", "possible man-in-the-middle",
		"remove the old line from " + cfg.KnownHostsFile} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q lacks %q", err, part)
		}
	}
	if !errors.Is(err, ErrHostKey) || errors.Is(err, control.ErrTransport) {
		t.Errorf("changed host key must be ErrHostKey and not a transport error: %v", err)
	}
}

// known_hosts may hold just one of the server's key types; the client must
// ask for that type rather than call the other key "changed".
func TestHostKeyOfEitherTypeAccepted(t *testing.T) {
	s := startSSHD(t)
	for name, key := range map[string]interface{ Type() string }{"ed25519": s.ed25519, "ecdsa": s.ecdsa} {
		cfg := s.config()
		cfg.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		if name == "ed25519" {
			s.writeKnownHosts(t, cfg.KnownHostsFile, s.ed25519)
		} else {
			s.writeKnownHosts(t, cfg.KnownHostsFile, s.ecdsa)
		}
		r, err := Dial(context.Background(), cfg)
		if err != nil {
			t.Errorf("known_hosts with only the %s key (%s): %v", name, key.Type(), err)
			continue
		}
		r.Close()
	}
}

func TestInsecureIgnoreHostKey(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.KnownHostsFile = filepath.Join(t.TempDir(), "absent")
	if _, err := Dial(context.Background(), cfg); !errors.Is(err, ErrHostKey) {
		t.Fatalf("missing known_hosts: want ErrHostKey, got %v", err)
	}
	cfg.InsecureIgnoreHostKey = true
	r, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if out, err := control.Exec(context.Background(), r, false, "echo", "ok"); err != nil || out != "ok\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestAuthFailureIsNotTransport(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.IdentityFile = filepath.Join(t.TempDir(), "other_key")
	writeKey(t, cfg.IdentityFile, newEd25519(t))
	_, err := Dial(context.Background(), cfg)
	if !errors.Is(err, ErrAuth) || errors.Is(err, control.ErrTransport) {
		t.Fatalf("want ErrAuth and not transport, got %v", err)
	}
	if !strings.Contains(err.Error(), "n1") || !strings.Contains(err.Error(), s.addr) {
		t.Errorf("error does not name node and address: %v", err)
	}
}

func TestDialRefusedNamesNode(t *testing.T) {
	port := freePort(t) // nothing listens there now
	cfg := Config{Node: "n7", Host: "127.0.0.1", Port: port, InsecureIgnoreHostKey: true,
		IdentityFile: filepath.Join(t.TempDir(), "k"), SSHConfigFile: "none", DialTimeout: 2 * time.Second}
	writeKey(t, cfg.IdentityFile, newEd25519(t))
	_, err := Dial(context.Background(), cfg)
	if !errors.Is(err, control.ErrTransport) {
		t.Fatalf("want transport error, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "control/ssh: n7 (127.0.0.1:") || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error does not name node and address: %v", err)
	}
}

// A listener that accepts and never speaks: Dial gives up after
// DialTimeout, naming the node.
func TestDialSilentListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	cfg := Config{Node: "n9", Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, InsecureIgnoreHostKey: true,
		IdentityFile: filepath.Join(t.TempDir(), "k"), SSHConfigFile: "none", DialTimeout: 300 * time.Millisecond}
	writeKey(t, cfg.IdentityFile, newEd25519(t))
	done := make(chan error, 1)
	go func() {
		_, err := Dial(context.Background(), cfg)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, control.ErrTransport) || !strings.Contains(err.Error(), "n9") ||
			!strings.Contains(err.Error(), "no SSH handshake within 300ms") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Dial ignored DialTimeout against a silent server")
	}
}

func TestSSHConfigAlias(t *testing.T) {
	s := startSSHD(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	body := "Host faultline-test-alias\n  HostName 127.0.0.1\n  Port " + itoa(s.port) + "\n  User root\n  IdentityFile " + s.clientKey + "\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Node: "n1", Host: "faultline-test-alias", KnownHostsFile: s.knownHosts, SSHConfigFile: conf}
	r, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.User() != "root" || r.Addr() != s.addr {
		t.Errorf("alias resolved to %s@%s, want root@%s", r.User(), r.Addr(), s.addr)
	}
	if out, err := control.Exec(context.Background(), r, false, "echo", "via alias"); err != nil || out != "via alias\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
