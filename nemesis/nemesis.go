package nemesis

import (
	"context"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// Nemesis injects one family of faults. Invoke takes a nemesis invoke op
// (Process == history.Nemesis, F like "start-partition") and returns its
// completion: ok with the fault as data in Value (e.g. the grudge), or info
// with Error when the fault could not be applied or verified.
type Nemesis interface {
	// Name is the registry name ("partition", "kill", ...).
	Name() string
	// Fs lists the op functions this nemesis handles, start first.
	Fs() []string
	// Invoke applies one fault op.
	Invoke(ctx context.Context, op history.Op) history.Op
	// Heal removes every fault of this family from every node, whether or
	// not this process caused it (a killed controller may have). It is
	// idempotent and safe on a clean cluster.
	Heal(ctx context.Context) error
}

// Env is what a nemesis may touch: the nodes by name, a Remote for each,
// and the target's process control.
type Env struct {
	Nodes   []string                  // node names, in order
	Addrs   map[string]string         // node name -> IP address
	Remotes map[string]control.Remote // node name -> remote
	// Target is the deployment under test; the nemeses that act on its
	// processes ask it for their capability by type assertion (Process,
	// Pauser, Clocker) and refuse up front when it lacks one. Nil when
	// there is no deployment (cluster heal).
	Target any
}

// Process controls the target's daemon on a node (targets.Killer); the kill
// nemesis uses it.
type Process = targets.Killer
