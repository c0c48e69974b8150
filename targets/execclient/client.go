package execclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/faultline/faultline/history"
)

// Client runs a client program for one node and turns each invoke op into
// its completion through it (see the package doc for the protocol). It
// implements workloads.Client. Invoke is for one goroutine at a time; Close
// may be called from any goroutine at any time.
type Client struct {
	cfg Config
	env []string

	mu      sync.Mutex
	proc    *proc // nil: none running; the next Invoke starts one
	closed  bool
	closing chan struct{} // closed by Close

	wg sync.WaitGroup // every process's reader and waiter
}

// New checks cfg (the program exists, the log directory can be made) and
// returns a client for it. The program starts at the first Invoke, or at
// once when cfg.StartCheck is positive; then New fails if it exits within
// StartCheck, with its exit status and the tail of its log.
func New(cfg Config) (*Client, error) {
	cfg.Argv = append([]string(nil), cfg.Argv...)
	env, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, env: env, closing: make(chan struct{})}
	if cfg.StartCheck <= 0 {
		return c, nil
	}
	c.mu.Lock()
	p, err := c.current()
	c.mu.Unlock()
	if err != nil {
		c.Close()
		return nil, err
	}
	t := time.NewTimer(cfg.StartCheck)
	defer t.Stop()
	select {
	case <-t.C:
		return c, nil
	case <-p.done:
	}
	c.Close() // waits for the log to be complete
	return nil, fmt.Errorf("execclient: node %s: %q exited within %v of starting: %s (%s); log tail:\n%s",
		cfg.Node, cfg.Argv, cfg.StartCheck, exitText(p.waitErr), p.where(), p.log.tail(2048))
}

// errClosed is the error of an Invoke after Close.
var errClosed = errors.New("client is closed")

// current returns the running process, starting one if there is none or
// the last one has exited. Called with c.mu held.
func (c *Client) current() (*proc, error) {
	if c.closed {
		return nil, errClosed
	}
	if c.proc != nil && c.proc.exited() {
		c.proc = nil // it exited between ops: its log says how
	}
	if c.proc == nil {
		p, err := startProc(&c.cfg, c.env, &c.wg)
		if err != nil {
			return nil, err
		}
		c.proc = p
	}
	return c.proc, nil
}

// Invoke writes op to the program and returns its answer as op's
// completion. It returns by ctx's deadline: an answer that does not come
// by then, a program that exits, or a line that is no answer make the op an
// info, and the program is killed and replaced for the next op. An op that
// was never written (the client is closed, the program cannot start, ctx
// is already done) is a fail. An empty op.Node is the client's node.
func (c *Client) Invoke(ctx context.Context, op history.Op) history.Op {
	start := time.Now() // the op's time runs from here: a start of the program is part of it
	if op.Node == "" {
		op.Node = c.cfg.Node
	}
	notSent := func(err error) history.Op {
		return op.Complete(history.Fail, op.Value, fmt.Sprintf("execclient: op not sent: %v", err))
	}
	if err := ctx.Err(); err != nil {
		return notSent(err)
	}
	line, err := json.Marshal(op)
	if err != nil {
		return notSent(err)
	}
	line = append(line, '\n')
	c.mu.Lock()
	p, err := c.current()
	c.mu.Unlock()
	if err != nil {
		return notSent(err)
	}
	seq, stray := p.begin()
	if stray != "" {
		return c.lost(p, op, "client printed garbage: a line while no op was in flight: "+stray+"; op not sent")
	}
	defer p.end()
	deadline, hasDeadline := ctx.Deadline()
	p.stdin.SetWriteDeadline(deadline) // the zero time when there is none
	stop := context.AfterFunc(ctx, func() { p.cancelWrite(seq) })
	_, werr := p.stdin.Write(line)
	stop()
	timedOut := func() history.Op {
		// The write's deadline may fire a moment before ctx's own timer.
		if hasDeadline && !errors.Is(ctx.Err(), context.Canceled) {
			return c.lost(p, op, fmt.Sprintf("client did not answer within %v", roughly(deadline.Sub(start))))
		}
		return c.lost(p, op, fmt.Sprintf("op abandoned before the client answered: %v", ctx.Err()))
	}
	if werr != nil {
		if c.isClosing() {
			return c.lost(p, op, closedInFlight)
		}
		if ctx.Err() != nil || errors.Is(werr, os.ErrDeadlineExceeded) {
			return timedOut()
		}
		return c.lost(p, op, c.gone(ctx, p, fmt.Sprintf("client stopped reading its stdin (%v)", werr)))
	}
	select {
	case a, ok := <-p.answers:
		if (!ok || a.garbage != "") && c.isClosing() { // Close killed it
			return c.lost(p, op, closedInFlight)
		}
		if !ok {
			return c.lost(p, op, c.gone(ctx, p, "client closed its stdout"))
		}
		if a.garbage != "" {
			return c.lost(p, op, "client printed garbage: "+a.garbage)
		}
		v := a.c.Value
		if v == nil {
			v = op.Value
		}
		return op.Complete(a.c.Type, v, a.c.Error)
	case <-ctx.Done():
		return timedOut()
	case <-c.closing:
		return c.lost(p, op, closedInFlight)
	}
}

// roughly rounds d to two significant digits for an error text: the
// op's timeout as the caller set it (5s, 300ms), give or take the moment
// between its setting and Invoke.
func roughly(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for d/unit >= 100 {
		unit *= 10
	}
	return d.Round(unit)
}

// closedInFlight is why an op in flight when Close was called is an info.
const closedInFlight = "client closed while the op was in flight"

func (c *Client) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// gone explains why the program stopped talking: its exit status if it
// exits within exitGrace (or by ctx's end), otherwise what says so.
func (c *Client) gone(ctx context.Context, p *proc, otherwise string) string {
	t := time.NewTimer(exitGrace)
	defer t.Stop()
	select {
	case <-p.done:
		return "client exited: " + exitText(p.waitErr)
	case <-t.C:
	case <-ctx.Done():
	case <-c.closing:
	}
	return otherwise
}

// lost makes op an info with why, kills p and forgets it, so that the next
// op starts a fresh process.
func (c *Client) lost(p *proc, op history.Op, why string) history.Op {
	p.kill(why)
	c.mu.Lock()
	if c.proc == p {
		c.proc = nil
	}
	c.mu.Unlock()
	return op.Complete(history.Info, op.Value, fmt.Sprintf("execclient: %s (%s)", why, p.where()))
}

// Close ends the program (closing its stdin, then killing its process
// group if it has not exited within a second, or at once when an op is in
// flight) and waits until it and every goroutine of the client are gone.
// An Invoke in flight returns promptly with an info; later ones fail. Close
// is idempotent and always returns nil: how the program ended is in its log.
func (c *Client) Close() error {
	c.mu.Lock()
	p := c.proc
	c.proc = nil
	if !c.closed {
		c.closed = true
		close(c.closing)
	}
	c.mu.Unlock()
	if p != nil {
		p.stop()
	}
	c.wg.Wait()
	return nil
}
