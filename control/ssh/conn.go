package ssh

import (
	"context"
	"sync"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
)

// conn is one SSH connection and what hangs off it. It is shared by every
// concurrent Run; dead is closed once the connection is gone for good.
type conn struct {
	client *gossh.Client
	dead   chan struct{}
	once   sync.Once

	sftpMu sync.Mutex
	sftp   *sftp.Client
}

func newConn(client *gossh.Client, cfg Config) *conn {
	c := &conn{client: client, dead: make(chan struct{})}
	go func() {
		client.Wait()
		c.kill()
	}()
	if cfg.KeepAlive > 0 {
		go c.keepalive(cfg)
	}
	return c
}

// kill closes the connection (idempotent); every session on it ends.
func (c *conn) kill() {
	c.once.Do(func() { close(c.dead) })
	c.client.Close()
}

func (c *conn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// keepalive sends keepalive@openssh.com every cfg.KeepAlive; a connection
// whose peer does not answer within three intervals (like OpenSSH's
// ServerAliveCountMax 3) is closed, so the next call reconnects.
func (c *conn) keepalive(cfg Config) {
	t := time.NewTicker(cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-c.dead:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		timer := time.NewTimer(3 * cfg.KeepAlive)
		var err error
		select {
		case err = <-reply:
		case <-timer.C:
			err = context.DeadlineExceeded
		case <-c.dead:
			timer.Stop()
			return
		}
		timer.Stop()
		if err != nil {
			cfg.Logger.Warn("control/ssh: keepalive failed; closing connection", "node", cfg.Node, "addr", cfg.addr(), "err", err)
			c.kill()
			return
		}
	}
}

// alive asks the server for a reply (a keepalive), waiting at most a few
// seconds: false means the connection is dead or stalled.
func (c *conn) alive() bool {
	if c.isDead() {
		return false
	}
	reply := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	t := time.NewTimer(aliveTimeout)
	defer t.Stop()
	select {
	case err := <-reply:
		return err == nil
	case <-t.C:
		return false
	}
}

const aliveTimeout = 5 * time.Second

// sftpClient returns the connection's SFTP client, starting it on first use.
func (c *conn) sftpClient(ctx context.Context) (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		return c.sftp, nil
	}
	type result struct {
		s   *sftp.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := sftp.NewClient(c.client)
		ch <- result{s, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		c.sftp = r.s
		return r.s, nil
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.s != nil {
				r.s.Close()
			}
		}()
		return nil, ctx.Err()
	}
}
