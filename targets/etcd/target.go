package etcd

import (
	"fmt"
	"os"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// DefaultBinary is where Debian's etcd-server package installs etcd.
const DefaultBinary = "/usr/bin/etcd"

// modes are etcd's modes, the default first.
var modes = targets.Modes{
	{Name: "linearizable", Linearizable: targets.Yes, Features: []string{"cas"},
		Doc: "etcd (Debian's etcd-server binary, 5 members), linearizable reads; linearizable under every fault"},
	{Name: "serializable", Linearizable: targets.No, Features: []string{"cas"},
		Doc: "reads served from any member's local state; NOT linearizable: stale reads under partition (must be caught)"},
}

// Target describes etcd, a third-party system: registers over etcd's v3
// JSON gateway, cas as a transaction. It takes clock skew only by stepping
// the system clock (on VMs): etcd reads the kernel clock, which a
// namespace node shares with the host.
var Target = targets.Target{
	Name:      "etcd",
	Doc:       "etcd, third party: register over the v3 JSON gateway, cas as a transaction (--etcd-binary to pick the binary)",
	Modes:     modes,
	Workloads: []string{"register"},
	Supports:  targets.Supports{Kill: true, Pause: true, ClockSystem: true},
	Options: []targets.Option{{Name: "etcd-binary", Default: DefaultBinary,
		Doc: "etcd binary to deploy (Debian's etcd-server installs /usr/bin/etcd)"}},
	Daemons: []string{"etcd"},
	Deploy: func(env targets.Env) (targets.Deployment, error) {
		bin := env.Option("etcd-binary")
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%w: --etcd-binary %s: %v (install Debian's etcd-server: apt-get install etcd-server, or make setup)", targets.ErrBadOption, bin, err)
		}
		c := &Cluster{Binary: bin, Nodes: env.Nodes, Daemon: deploy.Daemon{Name: "etcd", Sudo: env.Sudo}}
		return &deployment{Cluster: c, timeout: env.OpTimeout, serializable: env.Mode.Name == "serializable"}, nil
	},
}

// deployment is an etcd member on every node.
type deployment struct {
	*Cluster
	timeout      time.Duration
	serializable bool
}

// RegisterClient is a client of node's member (api.RegisterClients).
func (d *deployment) RegisterClient(node string) (api.Register, error) {
	return NewClient(d.ClientURL(node), d.timeout, d.serializable), nil
}

// Definite is the client's own classification.
func (d *deployment) Definite(err error) bool { return Definite(err) }
