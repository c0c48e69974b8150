package register

import (
	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/sequential"
	"github.com/faultline/faultline/checker/session"
	"github.com/faultline/faultline/workloads"
)

// Workload is the register workload: many independent keys, a read /
// write / cas mix with unique written values, checked for
// linearizability per key. The deployment serves it through
// api.RegisterClients, or a client executable (targets.OpClients) that
// takes the ops as they are.
var Workload = workloads.Workload{
	Name:  "register",
	Doc:   "many independent keys, read/write/cas mix with unique writes; checked for linearizability per key",
	Model: "cas-register",
	Build: func(env workloads.Env) (*workloads.Run, error) {
		if ops, ok := workloads.OpClientsOf(env); ok {
			return &workloads.Run{Generator: NewGenerator(Options{Concurrency: env.Concurrency}), NewClient: ops}, nil
		}
		cs, err := workloads.Need[api.RegisterClients](env, "register", "register clients (api.RegisterClients)")
		if err != nil {
			return nil, err
		}
		definite := env.Definite()
		return &workloads.Run{
			Generator: NewGenerator(Options{Concurrency: env.Concurrency}),
			NewClient: func(node string) (workloads.Client, error) {
				a, err := cs.RegisterClient(node)
				if err != nil {
					return nil, err
				}
				return NewClient(a, definite, node), nil
			},
		}, nil
	},
	Checkers: func(o workloads.CheckOptions) []checker.Checker {
		return []checker.Checker{workloads.Linearizable(checker.CASRegister(), o), sequential.Checker{}, session.Checker{}}
	},
}
