package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cluster"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/run"
	"github.com/faultline/faultline/targets/deploy"
	tkv "github.com/faultline/faultline/targets/kv"
	tqueue "github.com/faultline/faultline/targets/queue"
	tregister "github.com/faultline/faultline/targets/register"
	"github.com/faultline/faultline/workloads"
	wqueue "github.com/faultline/faultline/workloads/queue"
	wregister "github.com/faultline/faultline/workloads/register"
)

// buildEnv is what target and workload builders get: the options, the
// chosen mode and the connected nodes.
type buildEnv struct {
	o       *testOptions
	mode    string
	nf      *cluster.NodesFile
	remotes map[string]control.Remote
	nodes   []deploy.Node
	sudo    bool
}

// builtTarget is a target ready to run.
type builtTarget struct {
	target run.Target
	// process controls the target's processes for the kill, pause and
	// clock nemeses; nil when the target has none.
	process nemesis.Process
	// client returns the target's client for a node; workloads assert the
	// API interface they need.
	client func(node string) any
	// definite says whether a client error means the op did not happen.
	definite func(error) bool
	// daemon is the target's daemon, resumed by every heal.
	daemon deploy.Daemon
}

// builtWorkload is a workload ready to run.
type builtWorkload struct {
	gen       workloads.Generator
	newClient func(node string) (workloads.Client, error)
	checkers  []checker.Checker
	final     func(ctx context.Context, rec run.Recorder) error
}

// nodeDaemon builds one of our own targets, served by faultline-node in
// the given role.
func nodeDaemon(role string) func(b *buildEnv) (*builtTarget, error) {
	return func(b *buildEnv) (*builtTarget, error) { return buildNodeDaemon(b, role) }
}

func buildNodeDaemon(b *buildEnv, role string) (*builtTarget, error) {
	bin, err := nodeBinaryPath(b.o.nodeBinary)
	if err != nil {
		return nil, err
	}
	nd := &deploy.NodeDaemon{Role: role, Mode: b.mode, Binary: bin, Nodes: b.nodes,
		Daemon: deploy.Daemon{Name: "faultline-node", Sudo: b.sudo}}
	bt := &builtTarget{target: nd, process: nd, daemon: nd.Daemon}
	switch role {
	case "register":
		bt.client = func(node string) any { return tregister.NewClient(nd.URL(node), b.o.opTimeout) }
		bt.definite = func(err error) bool { return errors.Is(err, tregister.ErrDefinite) }
	case "kv":
		bt.client = func(node string) any { return tkv.NewClient(nd.URL(node), b.o.opTimeout) }
		bt.definite = func(err error) bool { return errors.Is(err, tkv.ErrDefinite) }
	case "queue":
		// The node gives up on an op at half the client's timeout, so its
		// answer (a definite 503 when the op was never proposed) arrives
		// before the client would record a timeout (info).
		nd.OpTimeout = b.o.opTimeout / 2
		bt.client = func(node string) any { return tqueue.NewClient(nd.URL(node), b.o.opTimeout) }
		bt.definite = tqueue.Definite
	default:
		return nil, fmt.Errorf("cli: no client for role %q", role)
	}
	return bt, nil
}

// workloadCheckers are the checkers that judge a workload's history. The
// test and analyze both use them, so a stored run is re-checked exactly as
// it was checked.
func workloadCheckers(workload string, checkTime time.Duration) ([]checker.Checker, error) {
	lin := func(model string) (checker.Checker, error) {
		m, err := checker.ModelByName(model)
		if err != nil {
			return nil, err
		}
		return &checker.Linearizable{Model: m, Timeout: checkTime, MinOK: 10}, nil
	}
	switch workload {
	case "register":
		l, err := lin("cas-register")
		return []checker.Checker{l}, err
	case "kv":
		l, err := lin("cas-register")
		return []checker.Checker{l, checker.Convergence{}, checker.StaleReads{}}, err
	case "set":
		return []checker.Checker{checker.Set{}, checker.Convergence{}}, nil
	case "queue":
		// The FIFO search gets at most DefaultFIFOTimeout: it checks only a
		// prefix, and total-queue covers the whole run.
		return []checker.Checker{checker.TotalQueue{},
			&checker.FIFOLinearizable{Timeout: min(checkTime, checker.DefaultFIFOTimeout)}}, nil
	}
	return nil, fmt.Errorf("cli: no checkers for workload %q", workload)
}

// must returns cs, ignoring an error that cannot happen for a known workload.
func must(cs []checker.Checker, _ error) []checker.Checker { return cs }

func buildRegisterWorkload(b *buildEnv, t *builtTarget) (*builtWorkload, error) {
	checkers, err := workloadCheckers("register", b.o.checkTime)
	if err != nil {
		return nil, err
	}
	return &builtWorkload{
		gen: wregister.NewGenerator(wregister.Options{Concurrency: b.o.concurrency}),
		newClient: func(node string) (workloads.Client, error) {
			api, ok := t.client(node).(wregister.API)
			if !ok {
				return nil, fmt.Errorf("cli: target %s has no register client", b.o.target)
			}
			return wregister.NewClient(api, t.definite, node), nil
		},
		checkers: checkers,
	}, nil
}

func buildQueueWorkload(b *buildEnv, t *builtTarget) (*builtWorkload, error) {
	apis := map[string]wqueue.API{}
	for _, n := range b.nodes {
		api, ok := t.client(n.Name).(wqueue.API)
		if !ok {
			return nil, fmt.Errorf("cli: target %s has no queue client", b.o.target)
		}
		apis[n.Name] = api
	}
	// The workers' clients note the request ids of their info dequeues;
	// the drain asks for their outcomes and records them in the history.
	unresolved := wqueue.NewUnresolved()
	// The drain's processes come after every process the workers can use.
	drain := wqueue.NewDrain(apis, wqueue.DrainOptions{
		FirstProcess: history.Process(1_000_000), OpTimeout: b.o.opTimeout, Definite: t.definite, Unresolved: unresolved})
	return &builtWorkload{
		gen: wqueue.NewGenerator(wqueue.Options{}),
		newClient: func(node string) (workloads.Client, error) {
			return wqueue.NewClient(apis[node], t.definite, node, unresolved), nil
		},
		checkers: must(workloadCheckers("queue", b.o.checkTime)),
		final:    func(ctx context.Context, rec run.Recorder) error { return drain(ctx, rec) },
	}, nil
}
