// Package clustertest is test support for the in-process clusters of the
// stateful targets (register, kv, queue): a network double whose links can
// be cut, loopback listeners for n nodes, a set of running HTTP servers
// that can be killed and restarted, and helpers to build and run the real
// faultline-node binary. The per-target pieces (each package's Transport
// wrapper and Config) stay in that package's tests.
//
// It is imported only from _test.go files; nothing that ships (the node
// daemon, the CLI) may import it.
//
// Contract:
//
//   - Net: a message on a cut link is lost, and the sender waits until its
//     deadline (ctx) before it hears ErrLost, as it would behind an
//     iptables DROP. A cut reply path means the peer acted but its answer
//     is lost: Call runs the request, then loses the reply.
//   - Servers.Kill stops a node abruptly: connections closed, no drain.
//   - Proc kills only the process it started, by PID.
//
// Example (a target's cut transport):
//
//	func (c *cutTransport) Prepare(ctx context.Context, to string, m paxos.Prepare) (paxos.Promise, error) {
//		return clustertest.Call(ctx, c.net, c.self, to, func() (paxos.Promise, error) { return c.inner.Prepare(ctx, to, m) })
//	}
package clustertest
