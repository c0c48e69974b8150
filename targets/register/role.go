package register

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/httpapi"
	"github.com/faultline/faultline/targets/paxos"
)

// Serve is the node daemon's register role: a CASPaxos register node on
// ln until ctx is done.
func Serve(ctx context.Context, o targets.RoleOptions, ln net.Listener, log *slog.Logger) error {
	srv, err := New(Config{
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
	serr := httpapi.Serve(ctx, ln, srv.Handler(), log)
	return errors.Join(serr, srv.Close())
}
