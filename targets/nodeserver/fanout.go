package nodeserver

import (
	"context"
	"sync"
	"time"
)

// Reply is one node's answer to a fanned-out request.
type Reply[R any] struct {
	From  string
	Value R
	Err   error
}

// Fanout is one request sent to many nodes at once, and its replies as
// they arrive. Only one goroutine reads a Fanout.
type Fanout[R any] struct {
	ch      chan Reply[R]
	pending int
}

// Send starts send(ctx, id) for every id at once. Every request's ctx is
// parent bounded by timeout; it is released once every request returned.
// A caller that wants requests to outlive its own cancellation (so that a
// slow acceptor still learns an accepted value) passes
// context.WithoutCancel of its context. Replies are buffered: a caller
// may stop reading at any time without leaking a goroutine.
func Send[R any](parent context.Context, ids []string, timeout time.Duration, send func(ctx context.Context, id string) (R, error)) *Fanout[R] {
	f := &Fanout[R]{ch: make(chan Reply[R], len(ids)), pending: len(ids)}
	ctx, cancel := context.WithTimeout(parent, timeout)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := send(ctx, id)
			f.ch <- Reply[R]{From: id, Value: v, Err: err}
		}()
	}
	go func() {
		wg.Wait()
		cancel()
	}()
	return f
}

// Pending is the number of replies not read yet.
func (f *Fanout[R]) Pending() int { return f.pending }

// Next returns the next reply; ok is false when every reply was read, or
// when wait is done first.
func (f *Fanout[R]) Next(wait context.Context) (rep Reply[R], ok bool) {
	if f.pending == 0 {
		return rep, false
	}
	select {
	case rep = <-f.ch:
		f.pending--
		return rep, true
	case <-wait.Done():
		return rep, false
	}
}

// Rest waits for every reply not read yet and returns them. The requests'
// timeout bounds the wait.
func (f *Fanout[R]) Rest() []Reply[R] {
	out := make([]Reply[R], 0, f.pending)
	for ; f.pending > 0; f.pending-- {
		out = append(out, <-f.ch)
	}
	return out
}
