// Package register is the server and Go client of faultline's "register"
// target: per-key integer registers (read / write / cas), each key its own
// CASPaxos instance over every node of the cluster, driven by the pure core
// in targets/paxos.
//
// Contract:
//
//   - One HTTP/JSON port serves the client API and the peer API (api.go).
//   - Acceptor state is durable before any reply leaves the node: an
//     append-only, CRC-framed log fsynced per write (with group commit),
//     replayed on start with a torn last record dropped, compacted by
//     rewrite+fsync+rename once it grows (storage.go, over targets/wal). A
//     node survives kill -9 and restart; each start bumps a durable boot
//     epoch that goes into the low bits of the ballot counter
//     (paxos.Ballots), so no ballot is reused.
//   - Failures say whether the operation definitely did not happen: 409
//     (cas mismatch) and 503 (the round failed before any accept was sent)
//     are definite; 500 with "definite": false means accepts were sent and
//     the outcome is unknown. The Client maps them onto ErrDefinite,
//     ErrCASMismatch (which wraps ErrDefinite) and ErrIndeterminate; a refused
//     connection is definite, a timeout or a connection lost after sending is
//     not. ErrDefinite wraps api.ErrDefinite and ErrCASMismatch
//     api.ErrMismatch, so the harness's default classification agrees.
//   - Mode "naive" is deliberately wrong (see paxos.ModeNaive): reads are
//     served from the local acceptor and proposals ignore other acceptors'
//     values. It exists to be caught by the linearizability checker.
//
// The node daemon runs a Server (cmd/faultline-node --role register); tests
// run five in one process with a Transport that can cut links.
//
// Example:
//
//	srv, err := register.New(register.Config{
//		ID: "n1", DataDir: "/opt/faultline/data",
//		Peers: map[string]string{"n1": "198.18.0.11:7000", "n2": "198.18.0.12:7000", "n3": "198.18.0.13:7000"},
//	})
//	if err != nil { ... }
//	defer srv.Close()
//	http.Serve(ln, srv.Handler())
//
//	c := register.NewClient("http://198.18.0.11:7000", time.Second)
//	err = c.CAS(ctx, "x", nil, 1)
//	switch {
//	case err == nil: // ok
//	case errors.Is(err, register.ErrDefinite): // fail
//	default: // info
//	}
package register
