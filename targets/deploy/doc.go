// Package deploy installs and controls daemons on nodes over a
// control.Remote: upload the binary atomically, start it detached with a
// pidfile, signal it (after checking the pid is really ours), wait for its
// health endpoint, fetch its logs, and wipe it.
//
// NodeDaemon deploys faultline-node, which serves our own targets; it is
// the target's process control for the kill and pause nemeses.
//
//	t := &deploy.NodeDaemon{Role: "register", Mode: "paxos", Binary: "bin/faultline-node",
//		Daemon: deploy.Daemon{Name: "faultline-node"}, Nodes: nodes}
//	err := t.Setup(ctx)
package deploy
