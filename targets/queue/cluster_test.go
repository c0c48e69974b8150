package queue_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/queue"
)

// partNet is the test's network between in-process nodes: a set of cut
// directed links. A message on a cut link is lost: the sender waits until
// its deadline, as it would for a real partition.
type partNet struct {
	mu  sync.Mutex
	cut map[[2]string]bool
}

func (n *partNet) isCut(from, to string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut[[2]string{from, to}]
}

// split cuts every link between the two sides (both directions).
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

// cutTransport wraps a real transport with partNet's cuts: a cut request
// never arrives; on a cut reply path the peer acted but the answer is lost.
type cutTransport struct {
	self  string
	net   *partNet
	inner queue.Transport
}

var errLost = errors.New("message lost in partition")

func lose(ctx context.Context) error {
	<-ctx.Done()
	return errLost
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m queue.SlotPrepare) (queue.SlotReply, error) {
	if c.net.isCut(c.self, to) {
		return queue.SlotReply{}, lose(ctx)
	}
	r, err := c.inner.Prepare(ctx, to, m)
	if err == nil && c.net.isCut(to, c.self) {
		return queue.SlotReply{}, lose(ctx)
	}
	return r, err
}

func (c *cutTransport) Accept(ctx context.Context, to string, m queue.SlotAccept) (queue.SlotReply, error) {
	if c.net.isCut(c.self, to) {
		return queue.SlotReply{}, lose(ctx)
	}
	r, err := c.inner.Accept(ctx, to, m)
	if err == nil && c.net.isCut(to, c.self) {
		return queue.SlotReply{}, lose(ctx)
	}
	return r, err
}

func (c *cutTransport) Learn(ctx context.Context, to string, m queue.Learn) error {
	if c.net.isCut(c.self, to) {
		return lose(ctx)
	}
	return c.inner.Learn(ctx, to, m)
}

func (c *cutTransport) CatchUp(ctx context.Context, to string, from uint64) (queue.CatchUp, error) {
	if c.net.isCut(c.self, to) || c.net.isCut(to, c.self) {
		return queue.CatchUp{}, lose(ctx)
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
	net   *partNet

	mu      sync.Mutex
	servers map[string]*queue.Server
	https   map[string]*http.Server
	clis    map[string][]*queue.Client // every client made by clients, by node
}

func newCluster(t testing.TB, n int, tmpl queue.Config) *cluster {
	t.Helper()
	c := &cluster{t: t, cfg: tmpl, addrs: map[string]string{}, dirs: map[string]string{},
		net: &partNet{}, servers: map[string]*queue.Server{}, https: map[string]*http.Server{},
		clis: map[string][]*queue.Client{}}
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

func (c *cluster) start(id string, ln net.Listener) {
	c.t.Helper()
	if ln == nil {
		var err error
		for range 50 { // the port may linger for a moment after close
			if ln, err = net.Listen("tcp", c.addrs[id]); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			c.t.Fatalf("relisten %s: %v", id, err)
		}
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
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	c.mu.Lock()
	c.servers[id], c.https[id] = srv, hs
	c.mu.Unlock()
}

// stop kills a node abruptly: connections closed, loops stopped, nothing
// flushed (its in-memory state, async-ack buffer included, is gone).
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

func (c *cluster) server(id string) *queue.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.servers[id]
}

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
