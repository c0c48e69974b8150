package queue

import (
	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// modes are the queue's modes, the default first.
var modes = targets.Modes{
	{Name: string(ModePaxos), Linearizable: targets.Yes,
		Doc: "FIFO queue on a log of Paxos slots; acked once decided and durable; nothing lost or duplicated"},
	{Name: string(ModeAsyncAck), Linearizable: targets.No,
		Doc: "enqueues acked once buffered in memory and proposed later; loses messages under kill (must be caught)"},
}

// Target describes the queue target: a replicated FIFO queue served by
// faultline-node in the queue role.
var Target = targets.Target{
	Name:      "queue",
	Doc:       "a replicated FIFO queue on our own faultline-node daemon",
	Modes:     modes,
	Workloads: []string{"queue"},
	Supports:  targets.Supports{Kill: true, Pause: true, ClockFile: true, ClockSystem: true},
	Options:   []targets.Option{deploy.NodeBinaryOption},
	Daemons:   []string{deploy.NodeDaemonName},
	Role:      &targets.Role{Serve: Serve},
	Deploy: func(env targets.Env) (targets.Deployment, error) {
		nd, err := deploy.NewNodeDaemon("queue", env)
		if err != nil {
			return nil, err
		}
		// The node gives up on an op at half the client's timeout, so its
		// answer (a definite 503 when the op was never proposed) arrives
		// before the client would record a timeout (info).
		nd.OpTimeout = env.OpTimeout / 2
		d := &deployment{NodeDaemon: nd, clients: map[string]*Client{}}
		for _, n := range env.Nodes {
			d.clients[n.Name] = NewClient(nd.URL(n.Name), env.OpTimeout)
		}
		return d, nil
	},
}

// deployment is faultline-node in the queue role on every node, with one
// client per node that every worker on it and the drain share.
type deployment struct {
	*deploy.NodeDaemon
	clients map[string]*Client
}

// QueueClient is node's client (api.QueueClients); it is also an
// api.QueueResolver, so indeterminate dequeues are resolved by the drain.
func (d *deployment) QueueClient(node string) (api.Queue, error) { return d.clients[node], nil }

// Definite is the client's own classification.
func (d *deployment) Definite(err error) bool { return Definite(err) }
