package queue

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/httpapi"
)

// Serve is the node daemon's queue role: a FIFO queue on a log of Paxos
// slots, on ln until ctx is done.
func Serve(ctx context.Context, o targets.RoleOptions, ln net.Listener, log *slog.Logger) error {
	srv, err := New(Config{
		ID:          o.ID,
		Peers:       o.Peers,
		Mode:        Mode(o.Mode),
		DataDir:     o.Data,
		OpTimeout:   o.OpTimeout,
		PeerTimeout: o.PeerTimeout,
		Logger:      log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	serr := httpapi.Serve(ctx, ln, srv.Handler(), log)
	return errors.Join(serr, srv.Close())
}
