package main

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets/queue"
)

// runQueue is the queue role: a FIFO queue on a log of Paxos slots.
func runQueue(ctx context.Context, o options, ln net.Listener, log *slog.Logger) error {
	srv, err := queue.New(queue.Config{
		ID:          o.ID,
		Peers:       o.Peers,
		Mode:        queue.Mode(o.Mode),
		DataDir:     o.Data,
		OpTimeout:   o.OpTimeout,
		PeerTimeout: o.PeerTimeout,
		Logger:      log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	serr := serveUntil(ctx, ln, srv.Handler(), log)
	return errors.Join(serr, srv.Close())
}
