package kv

import (
	"context"
	"log/slog"
	"net"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/nodeserver"
)

// Serve is the node daemon's kv role: a Dynamo-style key-value node on ln
// until ctx is done.
func Serve(ctx context.Context, o targets.RoleOptions, ln net.Listener, log *slog.Logger) error {
	return nodeserver.ServeRole(ctx, ln, log, func() (*Server, error) {
		return New(Config{
			ID:          o.ID,
			Peers:       o.Peers,
			Mode:        Mode(o.Mode),
			DataDir:     o.Data,
			Clock:       clock.New(o.ClockFile, clock.Options{}),
			OpTimeout:   o.OpTimeout,
			PeerTimeout: o.PeerTimeout,
			Logger:      log,
		})
	})
}
