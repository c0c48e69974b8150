package queue

import (
	"context"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workloads"
)

// drainProcess is the drain's first process: above every process the
// workers can reach.
const drainProcess history.Process = 1_000_000

// Workload is the queue workload: enqueues of unique values and dequeues
// on every node, then a drain; checked for loss and duplication
// (total-queue) and FIFO linearizability of the whole history
// (checker.FIFO). The deployment serves it through api.QueueClients.
var Workload = workloads.Workload{
	Name:  "queue",
	Doc:   "enqueues of unique values and dequeues on every node, then a drain; checked for loss and duplication (total-queue) and FIFO linearizability of the whole history",
	Model: "queue",
	Build: func(env workloads.Env) (*workloads.Run, error) {
		cs, err := workloads.Need[api.QueueClients](env, "queue", "queue clients (api.QueueClients)")
		if err != nil {
			return nil, err
		}
		apis := map[string]API{}
		for _, n := range env.Nodes {
			if apis[n], err = cs.QueueClient(n); err != nil {
				return nil, err
			}
		}
		definite := env.Definite()
		// The workers' clients note the request ids of their info
		// dequeues; the drain asks for their outcomes and records them.
		unresolved := NewUnresolved()
		drain := NewDrain(apis, DrainOptions{FirstProcess: drainProcess, OpTimeout: env.OpTimeout, Definite: definite, Unresolved: unresolved})
		return &workloads.Run{
			Generator: NewGenerator(Options{}),
			NewClient: func(node string) (workloads.Client, error) {
				return NewClient(apis[node], definite, node, unresolved), nil
			},
			Final: func(ctx context.Context, rec workloads.Recorder) error { return drain(ctx, rec) },
		}, nil
	},
	Checkers: func(o workloads.CheckOptions) []checker.Checker {
		// FIFO checks the whole history by its violation patterns, in
		// O(n log n); the timeout bounds only its search of which
		// unresolved indeterminate dequeue took which value.
		return []checker.Checker{checker.TotalQueue{}, checker.FIFO{Timeout: o.Timeout}}
	},
}
