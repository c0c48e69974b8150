package register

import (
	"context"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// Serve is the node daemon's register role: a CASPaxos register node on
// ln until ctx is done.
func Serve(ctx context.Context, o targets.RoleOptions, ln net.Listener, log *slog.Logger) error {
	return nodeserver.ServeRole(ctx, ln, log, func() (*Server, error) {
		return New(Config{
			ID:          o.ID,
			Peers:       o.Peers,
			Mode:        paxos.Mode(o.Mode),
			DataDir:     o.Data,
			OpTimeout:   o.OpTimeout,
			PeerTimeout: o.PeerTimeout,
			Logger:      log,
			Clock:       clock.New(o.ClockFile, clock.Options{}),
		})
	})
}
