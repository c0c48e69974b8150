package register

import (
	"errors"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
	"github.com/faultline/faultline/targets/paxos"
)

// modes are the register's modes, the default first: declared once, read
// by the CLI, the node daemon and the server.
var modes = targets.Modes{
	{Name: string(paxos.ModePaxos), Linearizable: targets.Yes, Features: []string{"cas"},
		Doc: "per-key CASPaxos; reads are Paxos rounds; linearizable under every fault"},
	{Name: string(paxos.ModeNaive), Linearizable: targets.No, Features: []string{"cas"},
		Doc: "the textbook mistake: promises carry no value, reads served locally; NOT linearizable (must be caught)"},
}

// Target describes the register target: keyed read / write / cas
// registers served by faultline-node in the register role.
var Target = targets.Target{
	Name:      "register",
	Doc:       "keyed read/write/cas registers on our own faultline-node daemon",
	Modes:     modes,
	Workloads: []string{"register"},
	Supports:  targets.Supports{Kill: true, Pause: true, ClockFile: true, ClockSystem: true},
	Options:   []targets.Option{deploy.NodeBinaryOption},
	Daemons:   []string{deploy.NodeDaemonName},
	Role:      &targets.Role{Serve: Serve},
	Deploy: func(env targets.Env) (targets.Deployment, error) {
		nd, err := deploy.NewNodeDaemon("register", env)
		if err != nil {
			return nil, err
		}
		return &deployment{NodeDaemon: nd, timeout: env.OpTimeout}, nil
	},
}

// deployment is faultline-node in the register role on every node, with a
// register client per worker.
type deployment struct {
	*deploy.NodeDaemon
	timeout time.Duration
}

// RegisterClient is a client of node's HTTP API (api.RegisterClients).
func (d *deployment) RegisterClient(node string) (api.Register, error) {
	return NewClient(d.URL(node), d.timeout), nil
}

// Definite: only errors the client marks ErrDefinite (a refused
// connection, a definite server answer, a cas mismatch) prove the op did
// not happen.
func (d *deployment) Definite(err error) bool { return errors.Is(err, ErrDefinite) }
