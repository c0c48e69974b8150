package clustertest

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// Nodes is what an in-process cluster of n nodes starts from: ids n1..nN,
// a loopback listener and address for each, and a data directory path for
// each (not created) under one temp dir.
type Nodes struct {
	IDs       []string
	Addrs     map[string]string // by id, host:port
	Dirs      map[string]string // by id
	Listeners map[string]net.Listener
}

// Listen opens n loopback listeners on free ports.
func Listen(t testing.TB, n int) Nodes {
	t.Helper()
	ns := Nodes{Addrs: map[string]string{}, Dirs: map[string]string{}, Listeners: map[string]net.Listener{}}
	base := t.TempDir()
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("n%d", i)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ns.IDs = append(ns.IDs, id)
		ns.Addrs[id] = ln.Addr().String()
		ns.Dirs[id] = filepath.Join(base, id)
		ns.Listeners[id] = ln
	}
	return ns
}

// Relisten listens again on node id's address after a stop, retrying for
// about a second while the port lingers.
func Relisten(t testing.TB, id, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger for a moment after close
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("relisten %s: %v", id, err)
	return nil
}

// FreeAddr is a loopback address with a port that was free a moment ago,
// for a process that will listen on it itself.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
