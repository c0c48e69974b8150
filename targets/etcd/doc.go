// Package etcd is faultline's first third-party target: etcd (by default
// the binary of Debian's etcd-server package), deployed to every node as a
// static cluster, and a register client over etcd's v3 HTTP/JSON gateway.
//
// Cluster runs the members as a deploy.Process, the process control it
// shares with our own node daemon: it installs the binary (pidfile-managed
// by deploy.Daemon, started detached under the node directory), starts one
// member per node with its data directory under the node directory
// (DataDir/etcd), waits until every member reports a healthy cluster, and
// controls the members for the kill and pause nemeses (Kill, Start, Pause,
// Resume). It does not implement
// nemesis.Clocker: etcd reads the kernel clock, which namespace nodes share
// with the host, so offset-clock skew cannot take effect on it and the
// clock nemesis refuses it up front.
//
// Client speaks etcd's v3 API through the grpc-gateway JSON endpoints
// (/v3/kv/range, /v3/kv/put, /v3/kv/txn) with net/http alone: the official
// Go client would pull grpc and a dozen modules into the harness for three
// calls. Reads are linearizable unless the client is Serializable (then
// the member answers from its local state, which may be stale). CAS is a
// transaction comparing the value (or, for an absent key, create_revision
// 0) and putting the new value on success.
//
// Errors say whether the op definitely did not take effect: Definite(err)
// is true for a CAS whose comparison failed (ErrMismatch), a request that
// never reached etcd (connection refused) and replies etcd gives before
// proposing (too many requests, proposal dropped, invalid argument); a
// timeout, a lost connection or "request timed out" are indeterminate.
//
// Example:
//
//	c := &etcd.Cluster{Binary: "/usr/bin/etcd", Nodes: nodes,
//		Daemon: deploy.Daemon{Name: "etcd"}}
//	if err := c.Setup(ctx); err != nil { ... }
//	cl := etcd.NewClient(c.ClientURL("n1"), 2*time.Second, false)
//	err := cl.CAS(ctx, "k1", nil, 1)
package etcd
