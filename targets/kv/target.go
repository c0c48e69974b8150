package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// modes are the kv target's modes, the default first: declared once, read
// by the CLI, the node daemon and the server (ParseMode).
var modes = targets.Modes{
	{Name: string(ModeSerial), Linearizable: targets.Yes, Converges: targets.Yes, Features: []string{"cas"},
		Doc: "a Paxos round per op among the key's 3 replicas; linearizable, converges"},
	{Name: string(ModeQuorum), Linearizable: targets.No, Converges: targets.Yes,
		Doc: "R=W=2 of 3, last-write-wins on the node clock, read repair; NOT linearizable (caught under clock skew), converges"},
	{Name: string(ModeAll), Linearizable: targets.No, Converges: targets.Yes,
		Doc: "W=3, R=1, last-write-wins; not linearizable, converges"},
	{Name: string(ModeOne), Linearizable: targets.No, Converges: targets.Yes,
		Doc: "one replica acks; anti-entropy and read repair converge later; NOT linearizable, converges"},
	{Name: string(ModeOneNoRepair), Linearizable: targets.No, Converges: targets.No,
		Doc: "as one, with anti-entropy and read repair off; does NOT converge (caught by the convergence checker)"},
	{Name: string(ModeSession), Linearizable: targets.No, Converges: targets.Yes,
		Doc: "as one, with sticky client sessions (reads at least the session's version of the key, writes stamped above it); NOT linearizable, read-your-writes, monotonic reads/writes, writes-follow-reads per key, converges"},
}

// Target describes the kv target: a Dynamo-style store served by
// faultline-node in the kv role.
var Target = targets.Target{
	Name:      "kv",
	Doc:       "a Dynamo-style store (consistent hashing, 3 replicas per key) with tunable consistency",
	Modes:     modes,
	Workloads: []string{"kv", "set"},
	Supports:  targets.Supports{Kill: true, Pause: true, ClockFile: true, ClockSystem: true},
	Options:   []targets.Option{deploy.NodeBinaryOption},
	Daemons:   []string{deploy.NodeDaemonName},
	Role:      &targets.Role{Serve: Serve},
	Deploy: func(env targets.Env) (targets.Deployment, error) {
		nd, err := deploy.NewNodeDaemon("kv", env)
		if err != nil {
			return nil, err
		}
		d := &deployment{NodeDaemon: nd, clients: map[string]*Client{}, session: Mode(env.Mode.Name).Session()}
		for _, n := range env.Nodes {
			d.clients[n.Name] = NewClient(nd.URL(n.Name), env.OpTimeout)
		}
		return d, nil
	},
}

// deployment is faultline-node in the kv role on every node, with one
// client per node that every worker on it shares (its connections; in
// session mode each worker has its own Session over it).
type deployment struct {
	*deploy.NodeDaemon
	clients map[string]*Client
	session bool // the mode keeps client sessions
}

// RegisterClient is node's client (api.RegisterClients), for the kv
// workload. In session mode every call starts a new Session: the runner
// calls it once per worker, so sessions are never shared between
// workers.
func (d *deployment) RegisterClient(node string) (api.Register, error) {
	c, ok := d.clients[node]
	if !ok {
		return nil, fmt.Errorf("kv: no node %q", node)
	}
	if d.session {
		return NewSession(c), nil
	}
	return c, nil
}

// SetClient is node's client as a set (api.SetClients).
func (d *deployment) SetClient(node string) (api.Set, error) { return setClient{d.clients[node]}, nil }

// LocalRead reads node's own version of key (api.Local).
func (d *deployment) LocalRead(ctx context.Context, node, key string) (api.KVState, error) {
	v, err := d.clients[node].LocalRead(ctx, key)
	return api.KVState{Value: v.Value, TS: v.TS, Replica: v.Replica}, err
}

// LocalSetRead reads node's own copy of the set at key (api.Local).
func (d *deployment) LocalSetRead(ctx context.Context, node, key string) (api.SetState, error) {
	s, err := d.clients[node].LocalSetRead(ctx, key)
	return api.SetState{Elements: s.Elements, Replica: s.Replica}, err
}

// LocalKeys lists the keys node stores (api.Local).
func (d *deployment) LocalKeys(ctx context.Context, node string) (kv, set []string, err error) {
	k, err := d.clients[node].LocalKeys(ctx)
	return k.KV, k.Set, err
}

// Definite: only errors the client marks ErrDefinite prove the op did not
// happen.
func (d *deployment) Definite(err error) bool { return errors.Is(err, ErrDefinite) }

// setClient is a kv client seen as a set: its Read is SetRead.
type setClient struct{ c *Client }

func (s setClient) Add(ctx context.Context, key string, e int64) error {
	return s.c.SetAdd(ctx, key, e)
}
func (s setClient) Read(ctx context.Context, key string) ([]int64, error) {
	return s.c.SetRead(ctx, key)
}
