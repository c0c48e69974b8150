// Package kv is the server and Go client of faultline's "kv" target: a
// Dynamo-style key-value store with tunable consistency. Keys sit on a
// consistent-hashing ring (targets/ring) with 3 replicas each; any node
// coordinates any request. Values are int64 or null; the same store holds
// grow-only sets of int64 for the set workload.
//
// Modes (Config.Mode, the daemon's --mode):
//
//   - quorum (default): W=2, R=2 of 3; versions stamped with the
//     coordinator's node clock (targets/clock) and node id, last write
//     wins; read repair and anti-entropy. Not linearizable: a node whose
//     clock is behind loses its writes.
//   - all: W=3, R=1, last write wins.
//   - one: one replica acks a write and answers a read; read repair (in the
//     background) and anti-entropy (every ~1 s) converge the others.
//   - one-no-repair: one without read repair or anti-entropy: replicas
//     stay divergent after a partition heals, for a convergence checker to
//     catch.
//   - session: one, with client sessions (Session, one per workload
//     worker, sticking to its node): a read carries the session's highest
//     version of the key and is answered only by a replica at least that
//     new (else 503, definite); a write is stamped above both the
//     coordinator's clock and that version. Not linearizable, but
//     read-your-writes, monotonic reads, monotonic writes and
//     writes-follow-reads hold per key; converges as one does. Sets
//     behave as in one.
//   - serial: every operation is a CASPaxos round (targets/paxos) among the
//     key's replicas (majority 2 of 3); linearizable; the only mode with
//     cas. Anti-entropy replays accepted states as delayed Accepts so that
//     replicas converge.
//
// In the last-write-wins modes a set is merged by union; in serial mode it
// is a Paxos-decided value.
//
// Contract:
//
//   - The HTTP/JSON API of api.go, one port per node.
//   - Durable before acknowledged: every change is fsynced (group commit)
//     to a CRC-framed log that survives kill -9 with a torn tail.
//   - Failures say whether the operation definitely did not happen: 409
//     and 503 (nothing written anywhere) and 400 are definite, 500 is not.
//     The Client maps them onto ErrDefinite, ErrCASMismatch (which wraps
//     ErrDefinite) and ErrIndeterminate; a refused connection is definite.
//     ErrDefinite wraps api.ErrDefinite and ErrCASMismatch api.ErrMismatch,
//     so the harness's default classification agrees.
//
// Example:
//
//	srv, err := kv.New(kv.Config{ID: "n1", Mode: kv.ModeQuorum, DataDir: "/opt/faultline/data",
//		Peers: peers, Clock: clock.New("/opt/faultline/clock", clock.Options{})})
//	if err != nil { ... }
//	defer srv.Close()
//	go http.Serve(ln, srv.Handler())
//
//	c := kv.NewClient("http://198.18.0.11:7000", time.Second)
//	err = c.Write(ctx, "x", 1)
//	switch {
//	case err == nil: // ok
//	case errors.Is(err, kv.ErrDefinite): // fail
//	default: // info
//	}
package kv
