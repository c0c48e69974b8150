package register_test

import (
	"context"
	"net"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/register"
)

// partNet is the test's network between in-process nodes (see
// clustertest.Net), plus a register-only fault.
type partNet struct {
	clustertest.Net
	// loseAcceptReplies makes every remote accept arrive and take effect
	// while its reply is lost: a way to make rounds indeterminate.
	loseAcceptReplies atomic.Bool
}

func (n *partNet) setLoseAcceptReplies(v bool) { n.loseAcceptReplies.Store(v) }

// cutTransport wraps a real transport with partNet's cuts: a cut request
// never arrives; a cut reply path means the acceptor acted but the answer
// is lost.
type cutTransport struct {
	self  string
	net   *partNet
	inner register.Transport
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	return clustertest.Call(ctx, &c.net.Net, c.self, to, func() (paxos.Promise, error) { return c.inner.Prepare(ctx, to, m) })
}

func (c *cutTransport) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	a, err := clustertest.Call(ctx, &c.net.Net, c.self, to, func() (paxos.Accepted, error) { return c.inner.Accept(ctx, to, m) })
	if err == nil && c.net.loseAcceptReplies.Load() {
		return paxos.Accepted{}, c.net.Lose(ctx)
	}
	return a, err
}

// cluster is n register servers on loopback listeners, each with its own
// data directory.
type cluster struct {
	t     testing.TB
	mode  paxos.Mode
	ids   []string
	addrs map[string]string
	dirs  map[string]string
	net   *partNet

	servers clustertest.Servers[*register.Server]
}

func newCluster(t testing.TB, n int, mode paxos.Mode) *cluster {
	t.Helper()
	ns := clustertest.Listen(t, n)
	c := &cluster{t: t, mode: mode, ids: ns.IDs, addrs: ns.Addrs, dirs: ns.Dirs, net: &partNet{}}
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

// start runs node id on ln, or on its address again if ln is nil.
func (c *cluster) start(id string, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		ln = clustertest.Relisten(c.t, id, c.addrs[id])
	}
	srv, err := register.New(register.Config{
		ID: id, Peers: c.addrs, Mode: c.mode, DataDir: c.dirs[id],
		OpTimeout: 600 * time.Millisecond, PeerTimeout: 100 * time.Millisecond,
		Transport:    &cutTransport{self: id, net: c.net, inner: register.NewHTTPTransport(c.addrs)},
		CompactBytes: 256 << 10,
	})
	if err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	c.servers.Serve(id, srv, ln)
}

// stop kills a node's server abruptly (connections closed, no drain).
func (c *cluster) stop(id string) {
	if _, err := c.servers.Kill(id); err != nil {
		c.t.Errorf("close %s: %v", id, err)
	}
}

func (c *cluster) url(id string) string { return "http://" + c.addrs[id] }

func (c *cluster) clients(timeout time.Duration) map[string]*register.Client {
	m := map[string]*register.Client{}
	for _, id := range c.ids {
		cl := register.NewClient(c.url(id), timeout)
		c.t.Cleanup(cl.Close)
		m[id] = cl
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
