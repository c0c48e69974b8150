package targets

import (
	"context"
	"time"

	"github.com/faultline/faultline/history"
)

// Killer is implemented by deployments whose processes the kill nemesis
// can crash and restart (Supports.Kill).
type Killer interface {
	Kill(ctx context.Context, node string) error  // kill -9, at once
	Start(ctx context.Context, node string) error // start if not running
}

// Pauser is implemented by deployments whose processes the pause nemesis
// can freeze (Supports.Pause).
type Pauser interface {
	Pause(ctx context.Context, node string) error  // SIGSTOP
	Resume(ctx context.Context, node string) error // SIGCONT; a no-op when running
}

// Clocker is implemented by deployments whose processes read the node
// clock's skew file (Supports.ClockFile): ReadClock is the node's time as
// the target sees it, so the skew can be verified and plotted.
type Clocker interface {
	ReadClock(ctx context.Context, node string) (time.Time, error)
}

// Classifier is implemented by deployments whose client errors can say an
// op definitely did not happen. Definite(err) true makes the op fail;
// false makes it info (it may have happened). A deployment without it has
// only api.ErrMismatch and api.ErrDefinite counted as definite.
type Classifier interface {
	Definite(err error) bool
}

// Stats is implemented by deployments that report per-node figures
// (memory, log length) while the workload runs; the runner samples them
// into results.json.
type Stats interface {
	NodeStats(ctx context.Context) (map[string]map[string]float64, error)
}

// OpClient takes history ops as they are: an invoke in, its completion
// out (ok, fail or info), by ctx's deadline. It has the methods of
// workloads.Client, so a workload runs it as its worker's client.
type OpClient interface {
	Invoke(ctx context.Context, op history.Op) history.Op
	Close() error
}

// OpClients is implemented by deployments whose clients speak history ops
// themselves: a client executable in any language (package
// targets/execclient), or a Go client that would rather not go through
// package api. A workload then sends its generator's ops to them unchanged
// and records their completions; the ops a workload's final phase needs
// (a final read of every set on every node) go through them too.
type OpClients interface {
	// OpClient opens a client for one worker, bound to node.
	OpClient(node string) (OpClient, error)
}

// Primaries is implemented by deployments that can say which nodes lead
// right now (a primary, a Raft leader). The partition nemesis then also
// draws partitions that cut the primaries off from the rest, the fault
// that exposes what a failover loses.
type Primaries interface {
	Primaries(ctx context.Context) ([]string, error)
}
