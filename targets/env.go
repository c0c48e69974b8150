package targets

import (
	"time"

	"github.com/faultline/faultline/control"
)

// Node is one node as a deployment sees it.
type Node struct {
	Name    string
	Address string
	Remote  control.Remote
}

// Env is what Deploy gets: everything resolved, nothing left to parse.
type Env struct {
	Mode  Mode
	Nodes []Node
	// Sudo is true when commands on the nodes need sudo -n (the nodes
	// file's user is not root).
	Sudo bool
	// OpTimeout is the client's per-op deadline: a client op that takes
	// longer is recorded as info.
	OpTimeout time.Duration
	// Options holds a value for every Option the target declares.
	Options map[string]string
}

// Option is the value of the target's option name (its default when it was
// not given).
func (e Env) Option(name string) string { return e.Options[name] }
