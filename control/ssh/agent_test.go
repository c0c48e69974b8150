package ssh

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/control"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// serveAgent runs an in-process ssh-agent holding the key in file.
func serveAgent(t *testing.T, keyFile string) string {
	t.Helper()
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := gossh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	ring := agent.NewKeyring()
	if err := ring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { agent.ServeAgent(ring, c); c.Close() }()
		}
	}()
	return sock
}

func TestAgentAuth(t *testing.T) {
	s := startSSHD(t)
	t.Setenv("SSH_AUTH_SOCK", serveAgent(t, s.clientKey))
	cfg := s.config()
	cfg.IdentityFile = ""
	if _, err := Dial(context.Background(), cfg); !errors.Is(err, ErrAuth) {
		t.Fatalf("no key and no agent: want ErrAuth, got %v", err)
	}
	cfg.UseAgent = true
	r, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if out, err := control.Exec(context.Background(), r, false, "echo", "agent"); err != nil || out != "agent\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}
