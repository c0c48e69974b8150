package workloads

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// Workload describes one workload. Each workload package exports one; the
// CLI's registry lists them.
type Workload struct {
	// Name is what --workload takes.
	Name string
	// Doc is one line for `faultline list`.
	Doc string
	// Model names the checker model its ops are judged by (analyze
	// --model, the timeline); "" when none applies.
	Model string
	// Build makes one run's generator, clients and final phase on a
	// deployment. It returns an error wrapping ErrNotServed when the
	// deployment lacks the client capability the workload needs.
	Build func(env Env) (*Run, error)
	// Checkers are the checkers that judge the workload's histories. The
	// test and analyze both call it, so a stored run is re-checked exactly
	// as it was checked.
	Checkers func(o CheckOptions) []checker.Checker
}

// Env is what Build gets: everything resolved.
type Env struct {
	// Deployment is the target made for this run's nodes; the workload
	// asks it for the client capability it needs (package api).
	Deployment targets.Deployment
	// Mode is the target's mode (workloads ask it for features: "cas").
	Mode targets.Mode
	// Nodes are the node names, in order.
	Nodes []string
	// Concurrency is the number of client workers.
	Concurrency int
	// OpTimeout is the client's per-op deadline.
	OpTimeout time.Duration
}

// Definite is the classification of the deployment's client errors: its
// own (targets.Classifier) or the default (api.Definite).
func (e Env) Definite() func(error) bool {
	if c, ok := e.Deployment.(targets.Classifier); ok {
		return c.Definite
	}
	return api.Definite
}

// Run is one run's workload, ready to go.
type Run struct {
	Generator Generator
	// NewClient opens a client for a worker bound to a node.
	NewClient func(node string) (Client, error)
	// Final, if set, runs after the final heal and the recovery wait (read
	// every key on every node; drain the queue). It records its ops
	// through rec, like the clients do.
	Final func(ctx context.Context, rec Recorder) error
}

// Recorder appends ops to the run's history, assigning Index and Time.
type Recorder interface {
	Record(op history.Op) (history.Op, error)
}

// CheckOptions shape a workload's checkers.
type CheckOptions struct {
	// Timeout is the budget of the costliest check (linearizability);
	// past it that check's verdict is unknown.
	Timeout time.Duration
	// FailFast stops the linearizability check at the first failing key
	// (faultline's --fail-fast): a faster verdict, fewer keys explained.
	FailFast bool
}

// ErrNotServed is wrapped by Build's error when the deployment offers no
// client for the workload.
var ErrNotServed = errors.New("workloads: the target serves no client for this workload")

// Need returns the deployment as the capability C a workload needs (an
// interface of package api), or an error naming the workload and what is
// missing.
func Need[C any](env Env, workload, capability string) (C, error) {
	c, ok := env.Deployment.(C)
	if !ok {
		return c, fmt.Errorf("%w: workload %s needs a deployment with %s, and %T has none", ErrNotServed, workload, capability, env.Deployment)
	}
	return c, nil
}

// OpClientsOf returns the client constructor of a deployment whose clients
// take history ops as they are (targets.OpClients: a client executable),
// or false when it has none and the workload uses its own client over
// package api.
func OpClientsOf(env Env) (func(node string) (Client, error), bool) {
	oc, ok := env.Deployment.(targets.OpClients)
	if !ok {
		return nil, false
	}
	return func(node string) (Client, error) { return oc.OpClient(node) }, true
}

// Linearizable is the linearizability checker of a workload's model with
// the check budget of o; a run with fewer than ten ok ops is too thin to
// mean anything and is unknown.
func Linearizable(m checker.Model, o CheckOptions) checker.Checker {
	return &checker.Linearizable{Model: m, Timeout: o.Timeout, MinOK: 10, StopEarly: o.FailFast}
}
