package deploy

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/local"
)

// TestSetupNamesATargetThatDoesNotComeUp: a daemon that dies at start is
// reported with the node's name and the tail of its log, not as a hang.
func TestSetupNamesATargetThatDoesNotComeUp(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "broken-node")
	script := "#!/bin/sh\necho 'faultline-node: open store /opt/x: permission denied' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing will listen there
	nd := &NodeDaemon{
		Role: "register", Mode: "paxos", Port: port, Binary: bin,
		Daemon:        Daemon{Name: "broken-node", Dir: filepath.Join(dir, "node")},
		Nodes:         []Node{{Name: "n1", Address: "127.0.0.1", Remote: local.New("n1")}},
		HealthTimeout: time.Second,
	}
	err = nd.Setup(context.Background())
	if err == nil {
		t.Fatal("Setup of a daemon that exits at once succeeded")
	}
	for _, want := range []string{"n1", "did not come up", "permission denied"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
