package main

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/register"
)

// runRegister is the register role: a CASPaxos register node.
func runRegister(ctx context.Context, o options, ln net.Listener, log *slog.Logger) error {
	srv, err := register.New(register.Config{
		ID:          o.ID,
		Peers:       o.Peers,
		Mode:        paxos.Mode(o.Mode),
		DataDir:     o.Data,
		OpTimeout:   o.OpTimeout,
		PeerTimeout: o.PeerTimeout,
		Logger:      log,
		Clock:       clock.New(o.ClockFile, clock.Options{}),
	})
	if err != nil {
		ln.Close()
		return err
	}
	serr := serveUntil(ctx, ln, srv.Handler(), log)
	return errors.Join(serr, srv.Close())
}
