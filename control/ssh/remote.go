package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/faultline/faultline/control"
	gossh "golang.org/x/crypto/ssh"
)

// Remote is a control.Remote over one SSH connection. It is safe for
// concurrent use: each Run opens its own session on the shared connection,
// and SFTP transfers share one lazily started SFTP client.
//
// After a transport error the connection is dropped and the next call dials
// again (a few attempts with backoff). A call is retried only while its
// command has certainly not started (dialing, opening the session); a command
// that may have run is never run again.
type Remote struct {
	cfg      Config
	ip       string        // the IP address the first connection reached
	sessions chan struct{} // bounds concurrent sessions below sshd's MaxSessions

	mu      sync.Mutex
	cur     *conn         // nil or dead: dial before use
	dialing chan struct{} // non-nil while one goroutine dials; closed when done
	closed  bool
}

var _ control.Remote = (*Remote)(nil)

const (
	// maxSessions stays below OpenSSH's default MaxSessions (10), leaving
	// room for the SFTP session.
	maxSessions  = 8
	maxAttempts  = 4
	firstBackoff = 200 * time.Millisecond
)

// Dial connects to the node described by cfg: TCP, handshake with host key
// check, and authentication, all within cfg.DialTimeout. Errors name the
// node and address; unreachable nodes wrap control.ErrTransport, refused
// host keys ErrHostKey, failed logins ErrAuth.
func Dial(ctx context.Context, cfg Config) (*Remote, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	client, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ip := cfg.Host
	if tcp, ok := client.RemoteAddr().(*net.TCPAddr); ok {
		ip = tcp.IP.String()
	}
	return &Remote{
		cfg:      cfg,
		ip:       ip,
		sessions: make(chan struct{}, maxSessions),
		cur:      newConn(client, cfg),
	}, nil
}

// Node names the node.
func (r *Remote) Node() string { return r.cfg.Node }

// User is the login user; commands with Sudo run through sudo -n unless it
// is root.
func (r *Remote) User() string { return r.cfg.User }

// IP is the node's IP address as dialled: the address a host alias of
// ~/.ssh/config (HostName) or a DNS name resolved to. Nemeses and targets
// need it where the nodes file names a host by alias.
func (r *Remote) IP() string { return r.ip }

// Addr is the host:port dialled.
func (r *Remote) Addr() string { return r.cfg.addr() }

// Close closes the connection; later calls fail.
func (r *Remote) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.cur != nil {
		r.cur.sftpMu.Lock()
		if r.cur.sftp != nil {
			r.cur.sftp.Close()
		}
		r.cur.sftpMu.Unlock()
		r.cur.kill()
		r.cur = nil
	}
	return nil
}

// conn returns the live connection, dialing once if there is none. Several
// callers wait for one dial rather than each dialing.
func (r *Remote) conn(ctx context.Context) (*conn, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, fmt.Errorf("control/ssh: %s: %w", r.cfg.Node, net.ErrClosed)
		}
		if r.cur != nil && !r.cur.isDead() {
			c := r.cur
			r.mu.Unlock()
			return c, nil
		}
		if wait := r.dialing; wait != nil {
			r.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		r.dialing = done
		r.mu.Unlock()

		r.cfg.Logger.Info("control/ssh: reconnecting", "node", r.cfg.Node, "addr", r.cfg.addr())
		client, err := dial(ctx, r.cfg)

		r.mu.Lock()
		r.dialing = nil
		close(done)
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		if r.closed {
			r.mu.Unlock()
			client.Close()
			return nil, fmt.Errorf("control/ssh: %s: %w", r.cfg.Node, net.ErrClosed)
		}
		r.cur = newConn(client, r.cfg)
		c := r.cur
		r.mu.Unlock()
		return c, nil
	}
}

// withConn runs open on the live connection, redialing and retrying with
// backoff while open fails at the transport level. open must not have had
// any effect on the node when it fails (dial, new session, start SFTP).
func withConn[T any](ctx context.Context, r *Remote, what string, open func(context.Context, *conn) (T, error)) (T, *conn, error) {
	var zero T
	var last error
	start := time.Now()
	backoff := firstBackoff
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if time.Since(start) > r.cfg.DialTimeout {
				break // a node that is down: do not multiply the wait
			}
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return zero, nil, fmt.Errorf("%w (after: %v)", ctx.Err(), last)
			}
			backoff *= 2
		}
		c, err := r.conn(ctx)
		if err != nil {
			if !isTransport(err) || ctx.Err() != nil {
				return zero, nil, err
			}
			last = err
			continue
		}
		v, err := open(ctx, c)
		if err == nil {
			return v, c, nil
		}
		if ctx.Err() != nil {
			return zero, nil, ctx.Err()
		}
		var refused *gossh.OpenChannelError
		if !errors.As(err, &refused) {
			// the connection itself failed: drop it, the next attempt dials
			c.kill()
		}
		last = transportErr(fmt.Sprintf("control/ssh: %s (%s): %s: %v", r.cfg.Node, r.cfg.addr(), what, err), err)
	}
	return zero, nil, last
}

// newSession opens a session, giving up when ctx ends (the channel open
// waits for the server, which may stall).
func newSession(ctx context.Context, c *conn) (*gossh.Session, error) {
	type result struct {
		s   *gossh.Session
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := c.client.NewSession()
		ch <- result{s, err}
	}()
	select {
	case res := <-ch:
		return res.s, res.err
	case <-ctx.Done():
		go func() {
			if res := <-ch; res.s != nil {
				res.s.Close()
			}
		}()
		return nil, ctx.Err()
	}
}
