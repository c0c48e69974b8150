// Package targets is the contract between faultline and a system under
// test: the one value that describes a target (its name, its modes, what it
// supports, how to deploy it) and what a deployment must do.
//
// Every target, built in or a user's own, is a Target value. The CLI's
// registry is a list of them; `faultline list`, `--help`, validation and
// campaign expansion read them; the node daemon's roles are the Role of
// those that faultline-node serves.
//
//	var Target = targets.Target{
//		Name:  "mydb",
//		Doc:   "my database, three replicas per key",
//		Modes: targets.Modes{{Name: "strict", Doc: "linearizable reads", Linearizable: targets.Yes}},
//		Workloads: []string{"register"},
//		Supports:  targets.Supports{Kill: true, Pause: true},
//		Deploy: func(ctx context.Context, env targets.Env) (targets.Deployment, error) {
//			return newCluster(env), nil
//		},
//	}
//
// A deployment offers clients for the workloads it serves through the
// capability interfaces of package api (RegisterClients, SetClients,
// QueueClients, ...), and process control for the nemeses through
// Killer, Pauser and Clocker. Supports declares up front what the
// deployment will implement, so that a fault the target cannot take is
// refused before anything is deployed; a test holds every built-in target
// to its declaration.
//
// This package imports nothing of the harness but package control's Remote
// interface, so that the node daemon, which links the target packages, never
// links SSH, nemesis, checker or report code.
package targets
