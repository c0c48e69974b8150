package targets

import (
	"context"
	"log/slog"
	"net"
	"time"
)

// Role is how faultline-node serves a target on one node.
type Role struct {
	// Serve runs the node until ctx is done (SIGTERM), then shuts down
	// gracefully. It owns ln.
	Serve func(ctx context.Context, o RoleOptions, ln net.Listener, log *slog.Logger) error
}

// RoleOptions are faultline-node's flags, parsed and checked.
type RoleOptions struct {
	ID          string            // this node's name
	Listen      string            // host:port of the HTTP API
	Peers       map[string]string // id -> host:port, this node included
	Data        string            // data directory (the durable state)
	ClockFile   string            // the node clock's skew file (targets/clock)
	Mode        string            // one of the target's modes
	OpTimeout   time.Duration     // deadline of one client op, retries included
	PeerTimeout time.Duration     // deadline of one round phase
}
