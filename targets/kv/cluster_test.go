package kv_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/paxos"
)

// cutTransport wraps the HTTP transport with the test network's cuts
// (clustertest.Net): a cut request never arrives; a cut reply path means
// the peer acted but the answer is lost.
type cutTransport struct {
	self  string
	net   *clustertest.Net
	inner kv.Transport
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (paxos.Promise, error) { return c.inner.Prepare(ctx, to, m) })
}

func (c *cutTransport) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (paxos.Accepted, error) { return c.inner.Accept(ctx, to, m) })
}

func (c *cutTransport) Get(ctx context.Context, to string, ref kv.EntryRef) (kv.Entry, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (kv.Entry, error) { return c.inner.Get(ctx, to, ref) })
}

func (c *cutTransport) Put(ctx context.Context, to string, req kv.PutRequest) error {
	return clustertest.Do(ctx, c.net, c.self, to, func() error { return c.inner.Put(ctx, to, req) })
}

func (c *cutTransport) Sync(ctx context.Context, to string, req kv.SyncRequest) (kv.SyncReply, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (kv.SyncReply, error) { return c.inner.Sync(ctx, to, req) })
}

// cluster is n kv servers on loopback listeners, each with its own data
// directory and clock file.
type cluster struct {
	t     testing.TB
	mode  kv.Mode
	ids   []string
	addrs map[string]string
	dirs  map[string]string
	net   *clustertest.Net
	ae    time.Duration

	servers clustertest.Servers[*kv.Server]
}

func newCluster(t testing.TB, n int, mode kv.Mode) *cluster {
	t.Helper()
	ns := clustertest.Listen(t, n)
	c := &cluster{t: t, mode: mode, ids: ns.IDs, addrs: ns.Addrs, dirs: ns.Dirs, net: &clustertest.Net{},
		ae: 100 * time.Millisecond}
	for _, id := range c.ids {
		c.start(id, ns.Listeners[id])
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
		ln = clustertest.Relisten(c.t, id, c.addrs[id])
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
	c.servers.Serve(id, srv, ln)
}

// stop kills a node's server abruptly.
func (c *cluster) stop(id string) {
	if _, err := c.servers.Kill(id); err != nil {
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
