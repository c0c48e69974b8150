// Package deploy installs and controls daemons on nodes over a
// control.Remote: upload the binary atomically, start it detached with a
// pidfile, signal it (after checking the pid is really ours), wait for its
// health endpoint, fetch its logs, and wipe it.
//
// Daemon is one program on one node: its binary, pidfile and log, and the
// commands that start, check and signal it. Process is that program on
// every node of a deployment, addressed by node name, with its command
// line and a readiness probe: the process control (Setup, Teardown, Kill,
// Start, Pause, Resume, Residue, CollectLogs) that every deployment running
// a daemon delegates to.
//
// NodeDaemon deploys faultline-node, which serves our own targets; its
// process control is a Process, as etcd.Cluster's is.
//
//	t := &deploy.NodeDaemon{Role: "register", Mode: "paxos", Binary: "bin/faultline-node",
//		Daemon: deploy.Daemon{Name: "faultline-node"}, Nodes: nodes}
//	err := t.Setup(ctx)
package deploy
