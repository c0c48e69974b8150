package queue_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/internal/clustertest"
	"github.com/faultline/faultline/targets/queue"
)

// cutTransport wraps a real transport with the test network's cuts
// (clustertest.Net): a cut request never arrives; on a cut reply path the
// peer acted but the answer is lost.
type cutTransport struct {
	self  string
	net   *clustertest.Net
	inner queue.Transport
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m queue.SlotPrepare) (queue.SlotReply, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (queue.SlotReply, error) { return c.inner.Prepare(ctx, to, m) })
}

func (c *cutTransport) Accept(ctx context.Context, to string, m queue.SlotAccept) (queue.SlotReply, error) {
	return clustertest.Call(ctx, c.net, c.self, to, func() (queue.SlotReply, error) { return c.inner.Accept(ctx, to, m) })
}

// Learn is fire-and-forget: only a cut on the way there loses it.
func (c *cutTransport) Learn(ctx context.Context, to string, m queue.Learn) error {
	if c.net.Cut(c.self, to) {
		return c.net.Lose(ctx)
	}
	return c.inner.Learn(ctx, to, m)
}

// CatchUp is not sent at all if either way is cut.
func (c *cutTransport) CatchUp(ctx context.Context, to string, from uint64) (queue.CatchUp, error) {
	if c.net.Cut(c.self, to) || c.net.Cut(to, c.self) {
		return queue.CatchUp{}, c.net.Lose(ctx)
	}
	return c.inner.CatchUp(ctx, to, from)
}

// cluster is n queue servers on loopback listeners, each with its own data
// directory.
type cluster struct {
	t     testing.TB
	cfg   queue.Config // template: Mode, CompactBytes, Window, AsyncFlush
	ids   []string
	addrs map[string]string
	dirs  map[string]string
	net   *clustertest.Net

	servers clustertest.Servers[*queue.Server]

	mu   sync.Mutex
	clis map[string][]*queue.Client // every client made by clients, by node
}

func newCluster(t testing.TB, n int, tmpl queue.Config) *cluster {
	t.Helper()
	ns := clustertest.Listen(t, n)
	c := &cluster{t: t, cfg: tmpl, ids: ns.IDs, addrs: ns.Addrs, dirs: ns.Dirs, net: &clustertest.Net{},
		clis: map[string][]*queue.Client{}}
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

func (c *cluster) start(id string, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		ln = clustertest.Relisten(c.t, id, c.addrs[id])
	}
	cfg := c.cfg
	cfg.ID, cfg.Peers, cfg.DataDir = id, c.addrs, c.dirs[id]
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = 800 * time.Millisecond
	}
	if cfg.PeerTimeout == 0 {
		cfg.PeerTimeout = 100 * time.Millisecond
	}
	cfg.CatchUpInterval = 50 * time.Millisecond
	cfg.Transport = &cutTransport{self: id, net: c.net, inner: queue.NewHTTPTransport(c.addrs)}
	srv, err := queue.New(cfg)
	if err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	c.servers.Serve(id, srv, ln)
}

// stop kills a node abruptly: connections closed, loops stopped, nothing
// flushed (its in-memory state, async-ack buffer included, is gone).
func (c *cluster) stop(id string) {
	running, err := c.servers.Kill(id)
	if !running {
		return
	}
	if err != nil {
		c.t.Errorf("close %s: %v", id, err)
	}
	// The clients' idle keep-alive connections to the dead node are closed
	// too, so that their next request dials the restarted one: a request
	// written into a connection whose peer has died is indeterminate (as it
	// rightly is in a real run), which would make a drain after a restart
	// fail now and then for a reason that is not what the test is about.
	c.mu.Lock()
	cls := c.clis[id]
	c.mu.Unlock()
	for _, cl := range cls {
		cl.Close()
	}
}

func (c *cluster) server(id string) *queue.Server { return c.servers.Get(id) }

func (c *cluster) clients(timeout time.Duration) map[string]*queue.Client {
	m := map[string]*queue.Client{}
	for _, id := range c.ids {
		cl := queue.NewClient("http://"+c.addrs[id], timeout)
		c.t.Cleanup(func() { cl.Close() })
		m[id] = cl
		c.mu.Lock()
		c.clis[id] = append(c.clis[id], cl)
		c.mu.Unlock()
	}
	return m
}

// drain dequeues from every node in turn until each says empty; it
// returns the elements in order. It fails the test if the queue does not
// drain within a generous bound.
func (c *cluster) drain(cls map[string]*queue.Client) []int64 {
	c.t.Helper()
	var out []int64
	ctx := context.Background()
	for _, id := range c.ids {
		for tries := 0; ; tries++ {
			if tries > 5000 {
				c.t.Fatalf("drain from %s did not reach empty", id)
			}
			v, empty, err := cls[id].Dequeue(ctx)
			if err != nil {
				if !queue.Definite(err) {
					c.t.Fatalf("drain from %s: indeterminate dequeue on a healed cluster: %v", id, err)
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if empty {
				break
			}
			out = append(out, v)
		}
	}
	return out
}
