// Package nodeserver is the server shell shared by the Paxos-backed
// targets that faultline-node serves (register, kv, queue): the JSON
// request and reply codec, the server-side classification of a failure
// as definite or indeterminate, the HTTP transport between nodes, the
// quorum fan-out, and the I/O around a paxos.Round (sending its two
// phases, retrying an operation under a deadline). Each target keeps its
// own routes, messages, storage and state machine; targets/httpapi is the
// client side of the same wire format.
//
// Contract:
//
//   - Every failed reply is an ErrorBody {"error": "...", "definite": bool}
//     with the status of its Error. Definite means the operation
//     definitely did not take effect; a failure that is not an *Error is
//     indeterminate (500), because nothing proves it did not happen.
//   - A request body is read up to Codec.MaxBody bytes; one that does not
//     decode is the caller's to refuse (a definite 400).
//   - PeerClient marks a request that cannot have reached the peer (it
//     could not be built or encoded, the dial failed, the peer is unknown,
//     or the peer refused it with 400) with ErrNotSent; any other error
//     may have reached it.
//   - Fanout sends one request to many nodes at once. The requests outlive
//     the caller's wait (up to their timeout) so that a slow acceptor
//     still learns; replies nobody reads are dropped.
//   - RoundIO.Run marks a round AcceptSent (paxos.Round.Accept) before the
//     first Accept leaves the node.
//
// Example (a register-like node):
//
//	codec := nodeserver.Codec{Name: "register", MaxBody: 1 << 20}
//	mux.HandleFunc("PUT /register/{key}", func(w http.ResponseWriter, r *http.Request) {
//		var body ValueBody
//		if err := codec.Decode(r, &body); err != nil {
//			codec.WriteError(w, nodeserver.Definite(400, "register: write: %v", err))
//			return
//		}
//		v, err := prop.Do(r.Context(), op)
//		if err != nil {
//			codec.WriteError(w, err)
//			return
//		}
//		codec.WriteJSON(w, http.StatusOK, body)
//	})
package nodeserver
