package kv_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/paxos"
)

// partNet is the test network between in-process nodes: a set of cut
// directed links. A request on a cut link is lost: the sender waits until
// its deadline, as with a real partition (iptables DROP).
type partNet struct {
	mu  sync.Mutex
	cut map[[2]string]bool
}

func (n *partNet) isCut(from, to string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut[[2]string{from, to}]
}

// split cuts every link between the two sides, both ways.
func (n *partNet) split(a, b []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = map[[2]string]bool{}
	for _, x := range a {
		for _, y := range b {
			n.cut[[2]string{x, y}] = true
			n.cut[[2]string{y, x}] = true
		}
	}
}

func (n *partNet) heal() { n.split(nil, nil) }

var errLost = errors.New("message lost in partition")

// cutTransport wraps the HTTP transport with partNet's cuts: a cut request
// never arrives; a cut reply path means the peer acted but the answer is
// lost.
type cutTransport struct {
	self  string
	net   *partNet
	inner kv.Transport
}

func (c *cutTransport) call(ctx context.Context, to string, f func() error) error {
	if c.net.isCut(c.self, to) {
		<-ctx.Done()
		return errLost
	}
	err := f()
	if err == nil && c.net.isCut(to, c.self) {
		<-ctx.Done()
		return errLost
	}
	return err
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (p paxos.Promise, err error) {
	err = c.call(ctx, to, func() error { p, err = c.inner.Prepare(ctx, to, m); return err })
	return p, err
}

func (c *cutTransport) Accept(ctx context.Context, to string, m paxos.Accept) (a paxos.Accepted, err error) {
	err = c.call(ctx, to, func() error { a, err = c.inner.Accept(ctx, to, m); return err })
	return a, err
}

func (c *cutTransport) Get(ctx context.Context, to string, ref kv.EntryRef) (e kv.Entry, err error) {
	err = c.call(ctx, to, func() error { e, err = c.inner.Get(ctx, to, ref); return err })
	return e, err
}

func (c *cutTransport) Put(ctx context.Context, to string, req kv.PutRequest) error {
	return c.call(ctx, to, func() error { return c.inner.Put(ctx, to, req) })
}

func (c *cutTransport) Sync(ctx context.Context, to string, req kv.SyncRequest) (r kv.SyncReply, err error) {
	err = c.call(ctx, to, func() error { r, err = c.inner.Sync(ctx, to, req); return err })
	return r, err
}

// cluster is n kv servers on loopback listeners, each with its own data
// directory and clock file.
type cluster struct {
	t     testing.TB
	mode  kv.Mode
	ids   []string
	addrs map[string]string
	dirs  map[string]string
	net   *partNet
	ae    time.Duration

	mu      sync.Mutex
	servers map[string]*kv.Server
	https   map[string]*http.Server
}

func newCluster(t testing.TB, n int, mode kv.Mode) *cluster {
	t.Helper()
	c := &cluster{t: t, mode: mode, addrs: map[string]string{}, dirs: map[string]string{}, net: &partNet{},
		ae: 100 * time.Millisecond, servers: map[string]*kv.Server{}, https: map[string]*http.Server{}}
	lns := map[string]net.Listener{}
	base := t.TempDir()
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("n%d", i)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.ids = append(c.ids, id)
		c.addrs[id] = ln.Addr().String()
		c.dirs[id] = filepath.Join(base, id)
		lns[id] = ln
	}
	for _, id := range c.ids {
		c.start(id, lns[id])
	}
	t.Cleanup(func() {
		for _, id := range c.ids {
			c.stop(id)
		}
	})
	return c
}

// clockPath is the node's clock file: next to its data directory, as on a
// real node.
func (c *cluster) clockPath(id string) string { return filepath.Join(c.dirs[id], "clock") }

// setClock writes the node's clock file atomically, as the clock nemesis
// does.
func (c *cluster) setClock(id string, offset time.Duration) {
	c.t.Helper()
	tmp := c.clockPath(id) + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf(`{"offset_ns": %d}`, int64(offset))), 0o644); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Rename(tmp, c.clockPath(id)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) start(id string, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		var err error
		for range 50 {
			if ln, err = net.Listen("tcp", c.addrs[id]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			c.t.Fatalf("relisten %s: %v", id, err)
		}
	}
	if err := os.MkdirAll(c.dirs[id], 0o755); err != nil {
		c.t.Fatal(err)
	}
	srv, err := kv.New(kv.Config{
		ID: id, Peers: c.addrs, Mode: c.mode, DataDir: filepath.Join(c.dirs[id], "data"),
		Clock:     clock.New(c.clockPath(id), clock.Options{}),
		OpTimeout: 600 * time.Millisecond, PeerTimeout: 100 * time.Millisecond,
		AntiEntropyInterval: c.ae,
		Transport:           &cutTransport{self: id, net: c.net, inner: kv.NewHTTPTransport(c.addrs)},
		CompactBytes:        256 << 10,
	})
	if err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	c.mu.Lock()
	c.servers[id], c.https[id] = srv, hs
	c.mu.Unlock()
}

// stop kills a node's server abruptly.
func (c *cluster) stop(id string) {
	c.mu.Lock()
	srv, hs := c.servers[id], c.https[id]
	delete(c.servers, id)
	delete(c.https, id)
	c.mu.Unlock()
	if hs == nil {
		return
	}
	hs.Close()
	if err := srv.Close(); err != nil {
		c.t.Errorf("close %s: %v", id, err)
	}
}

func (c *cluster) url(id string) string { return "http://" + c.addrs[id] }

func (c *cluster) clients(timeout time.Duration) map[string]*kv.Client {
	m := map[string]*kv.Client{}
	for _, id := range c.ids {
		cl := kv.NewClient(c.url(id), timeout)
		c.t.Cleanup(cl.Close)
		m[id] = cl
	}
	return m
}
