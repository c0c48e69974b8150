package main

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/kv"
)

// runKV is the kv role: a Dynamo-style key-value node.
func runKV(ctx context.Context, o options, ln net.Listener, log *slog.Logger) error {
	srv, err := kv.New(kv.Config{
		ID:          o.ID,
		Peers:       o.Peers,
		Mode:        kv.Mode(o.Mode),
		DataDir:     o.Data,
		Clock:       clock.New(o.ClockFile, clock.Options{}),
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
