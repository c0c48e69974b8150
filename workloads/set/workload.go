package set

import (
	"context"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/workloads"
	"github.com/faultline/faultline/workloads/final"
)

// Workload is the set workload: adds of unique elements to a few sets,
// and reads; Jepsen's set-full analysis, then a final read of every set on
// every node for convergence. The deployment serves it through
// api.SetClients and api.Local, or through a client executable
// (targets.OpClients), whose reads serve the final phase too.
var Workload = workloads.Workload{
	Name: "set",
	Doc:  "adds of unique elements to a few sets, and reads; set-full analysis (lost, stale) and convergence of the final reads",
	Build: func(env workloads.Env) (*workloads.Run, error) {
		if ops, ok := workloads.OpClientsOf(env); ok {
			gen := NewGenerator(Options{})
			sets := &final.OpReads{Open: func(node string) (final.OpClient, error) { return ops(node) }}
			return &workloads.Run{
				Generator: gen,
				NewClient: ops,
				Final: func(ctx context.Context, rec workloads.Recorder) error {
					defer sets.Close()
					_, err := final.ReadSets(ctx, rec, sets, final.Options{Nodes: env.Nodes, Keys: gen.Keys()})
					return err
				},
			}, nil
		}
		cs, err := workloads.Need[api.SetClients](env, "set", "set clients (api.SetClients)")
		if err != nil {
			return nil, err
		}
		local, err := workloads.Need[api.Local](env, "set", "each node's own state (api.Local)")
		if err != nil {
			return nil, err
		}
		definite := env.Definite()
		gen := NewGenerator(Options{})
		return &workloads.Run{
			Generator: gen,
			NewClient: func(node string) (workloads.Client, error) {
				a, err := cs.SetClient(node)
				if err != nil {
					return nil, err
				}
				return NewClient(a, definite, node), nil
			},
			Final: func(ctx context.Context, rec workloads.Recorder) error {
				_, err := final.ReadSets(ctx, rec, local, final.Options{Nodes: env.Nodes, Keys: gen.Keys()})
				return err
			},
		}, nil
	},
	Checkers: func(workloads.CheckOptions) []checker.Checker {
		return []checker.Checker{checker.Set{}, checker.Convergence{}}
	},
}
