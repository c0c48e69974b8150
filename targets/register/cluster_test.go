package register_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/register"
)

// partNet is the test's network between in-process nodes: a set of cut
// directed links. A message on a cut link is lost: the sender waits until
// its deadline, as it would for a real partition.
type partNet struct {
	mu  sync.Mutex
	cut map[[2]string]bool
	// loseAcceptReplies makes every remote accept arrive and take effect
	// while its reply is lost: a way to make rounds indeterminate.
	loseAcceptReplies bool
}

func (n *partNet) setLoseAcceptReplies(v bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.loseAcceptReplies = v
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
// never arrives; a cut reply path means the acceptor acted but the answer
// is lost.
type cutTransport struct {
	self  string
	net   *partNet
	inner register.Transport
}

var errLost = errors.New("message lost in partition")

func (c *cutTransport) lose(ctx context.Context) error {
	<-ctx.Done()
	return errLost
}

func (c *cutTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
	if c.net.isCut(c.self, to) {
		return paxos.Promise{}, c.lose(ctx)
	}
	p, err := c.inner.Prepare(ctx, to, m)
	if err == nil && c.net.isCut(to, c.self) {
		return paxos.Promise{}, c.lose(ctx)
	}
	return p, err
}

func (c *cutTransport) Accept(ctx context.Context, to string, m paxos.Accept) (paxos.Accepted, error) {
	if c.net.isCut(c.self, to) {
		return paxos.Accepted{}, c.lose(ctx)
	}
	a, err := c.inner.Accept(ctx, to, m)
	c.net.mu.Lock()
	lose := c.net.loseAcceptReplies
	c.net.mu.Unlock()
	if err == nil && (lose || c.net.isCut(to, c.self)) {
		return paxos.Accepted{}, c.lose(ctx)
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

	mu      sync.Mutex
	servers map[string]*register.Server
	https   map[string]*http.Server
}

func newCluster(t testing.TB, n int, mode paxos.Mode) *cluster {
	t.Helper()
	c := &cluster{t: t, mode: mode, addrs: map[string]string{}, dirs: map[string]string{},
		net: &partNet{}, servers: map[string]*register.Server{}, https: map[string]*http.Server{}}
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
	srv, err := register.New(register.Config{
		ID: id, Peers: c.addrs, Mode: c.mode, DataDir: c.dirs[id],
		OpTimeout: 600 * time.Millisecond, PeerTimeout: 100 * time.Millisecond,
		Transport:    &cutTransport{self: id, net: c.net, inner: register.NewHTTPTransport(c.addrs)},
		CompactBytes: 256 << 10,
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

// stop kills a node's server abruptly (connections closed, no drain).
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
