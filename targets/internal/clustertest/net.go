package clustertest

import (
	"context"
	"errors"
	"sync"
)

// ErrLost is what a sender hears, at its deadline, for a message lost on a
// cut link.
var ErrLost = errors.New("clustertest: message lost in partition")

// Net is the network between in-process nodes: a set of cut directed
// links. The zero Net has every link up. It is safe for concurrent use.
type Net struct {
	mu  sync.Mutex
	cut map[[2]string]bool
}

// Cut reports whether the link from -> to is cut.
func (n *Net) Cut(from, to string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut[[2]string{from, to}]
}

// Split cuts every link between the two sides, both ways, and heals every
// other link.
func (n *Net) Split(a, b []string) {
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

// Heal restores every link.
func (n *Net) Heal() { n.Split(nil, nil) }

// Lose is a lost message as its sender sees it: nothing until ctx is done,
// then ErrLost.
func (n *Net) Lose(ctx context.Context) error {
	<-ctx.Done()
	return ErrLost
}

// Call sends a request from -> to through n: if the link is cut, f never
// runs (the request never arrives); if f succeeds but the way back is cut,
// the peer acted and its reply is lost. A lost message yields the zero R
// and ErrLost at ctx's deadline; otherwise f's result stands.
func Call[R any](ctx context.Context, n *Net, from, to string, f func() (R, error)) (R, error) {
	var zero R
	if n.Cut(from, to) {
		return zero, n.Lose(ctx)
	}
	r, err := f()
	if err == nil && n.Cut(to, from) {
		return zero, n.Lose(ctx)
	}
	return r, err
}

// Do is Call for a request whose only answer is an error.
func Do(ctx context.Context, n *Net, from, to string, f func() error) error {
	_, err := Call(ctx, n, from, to, func() (struct{}, error) { return struct{}{}, f() })
	return err
}
