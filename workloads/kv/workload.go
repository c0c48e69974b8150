package kv

import (
	"context"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/sequential"
	"github.com/faultline/faultline/checker/session"
	"github.com/faultline/faultline/workloads"
	"github.com/faultline/faultline/workloads/final"
)

// Workload is the kv workload: independent keys, read / write (and cas
// when the mode has the "cas" feature), checked for linearizability per
// key, with a stale-read count, then a final read of every key on every
// node for convergence. The deployment serves it through
// api.RegisterClients and api.Local.
var Workload = workloads.Workload{
	Name:  "kv",
	Doc:   "independent keys, read/write (and cas where the mode has it); linearizability per key, stale-read count, then a final read of every key on every node for convergence",
	Model: "cas-register",
	Build: func(env workloads.Env) (*workloads.Run, error) {
		if ops, ok := workloads.OpClientsOf(env); ok {
			gen := NewGenerator(Options{Concurrency: env.Concurrency, CAS: env.Mode.Has("cas")})
			reads := &final.OpReads{Open: func(node string) (final.OpClient, error) { return ops(node) }}
			return &workloads.Run{
				Generator: gen,
				NewClient: ops,
				Final: func(ctx context.Context, rec workloads.Recorder) error {
					defer reads.Close()
					_, err := final.ReadKV(ctx, rec, reads, final.Options{Nodes: env.Nodes, Keys: gen.Keys()})
					return err
				},
			}, nil
		}
		cs, err := workloads.Need[api.RegisterClients](env, "kv", "register clients (api.RegisterClients)")
		if err != nil {
			return nil, err
		}
		local, err := workloads.Need[api.Local](env, "kv", "each node's own state (api.Local)")
		if err != nil {
			return nil, err
		}
		definite := env.Definite()
		gen := NewGenerator(Options{Concurrency: env.Concurrency, CAS: env.Mode.Has("cas")})
		return &workloads.Run{
			Generator: gen,
			NewClient: func(node string) (workloads.Client, error) {
				a, err := cs.RegisterClient(node)
				if err != nil {
					return nil, err
				}
				return NewClient(a, definite, node), nil
			},
			Final: func(ctx context.Context, rec workloads.Recorder) error {
				_, err := final.ReadKV(ctx, rec, local, final.Options{Nodes: env.Nodes, Keys: gen.Keys()})
				return err
			},
		}, nil
	},
	Checkers: func(o workloads.CheckOptions) []checker.Checker {
		return []checker.Checker{workloads.Linearizable(checker.CASRegister(), o), sequential.Checker{}, session.Checker{}, checker.Convergence{}, checker.StaleReads{}}
	},
}
