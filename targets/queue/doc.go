// Package queue is the server and Go client of faultline's "queue" target:
// a FIFO queue of int64 replicated over every node as a log of slots, each
// slot decided by single-decree Paxos with the core in targets/paxos.
//
// Contract:
//
//   - A node's proposer fills the next free slot (applied+1) with a batch of
//     pending client commands; if another value wins the slot, the batch
//     moves to the next one. Every node applies decided slots in order, so
//     all replicas walk through the same queue states.
//   - Acceptor state is durable (CRC-framed log, fsynced, group commit)
//     before any reply leaves a node, and a decided value is durable on the
//     proposer's node before it is applied. In mode paxos an enqueue or
//     dequeue is acknowledged only once its slot is decided and applied; a
//     dequeue returns the element it removed, or empty.
//   - A batch whose Accept has left the node is proposed unchanged until it
//     is applied, and each node's batches are ordered (boot epoch,
//     sequence), so a batch is applied at most once (a duplicate is
//     skipped).
//   - Failures say whether the command definitely did not happen: 503 (it
//     was never proposed) is definite; 500 (proposed, not decided in time)
//     is not. The Client maps them onto ErrDefinite (which wraps
//     api.ErrDefinite) and ErrIndeterminate; a refused connection is
//     definite, a timeout is not.
//   - A dequeue may carry a client-chosen request id; the state machine
//     records what it did under that id (kept for the whole run, in every
//     snapshot), and POST /queue/outcome, itself a command in the log,
//     answers applied (value or empty) or not applied, fencing the id so
//     that "not applied" is final (outcome.go).
//   - Lagging or restarted nodes catch up from a peer: the decided values of
//     the last Window slots, or a snapshot of the queue when they lag
//     further. Slots at or below the applied one keep no acceptor state,
//     and the log file is rewritten as one snapshot once it passes
//     CompactBytes, so memory and disk stay bounded on a long run (GET
//     /stats reports applied_slot, log_len, queue_len and rss_bytes).
//   - Mode "async-ack" is deliberately wrong: an enqueue is acknowledged as
//     soon as it is buffered in the receiving node's memory and proposed in
//     a batch up to AsyncFlush later, so a node killed in between loses
//     acknowledged messages. It exists to be caught by the total-queue
//     checker.
//
// The log itself is a deterministic core (slotLog, slotlog.go: acceptor
// steps, learning, in-order apply, snapshots and catch-up answers, with no
// I/O, goroutines or clock) inside the Server's shell, which persists what
// a step changed before it replies or applies, moves the messages, and
// answers the clients.
//
// The node daemon runs a Server (cmd/faultline-node --role queue); tests run
// five in one process with a Transport that can cut links.
//
// Example:
//
//	srv, err := queue.New(queue.Config{
//		ID: "n1", DataDir: "/opt/faultline/data",
//		Peers: map[string]string{"n1": "198.18.0.11:7000", "n2": "198.18.0.12:7000", "n3": "198.18.0.13:7000"},
//	})
//	if err != nil { ... }
//	defer srv.Close()
//	http.Serve(ln, srv.Handler())
//
//	c := queue.NewClient("http://198.18.0.11:7000", time.Second)
//	err = c.Enqueue(ctx, 42)
//	v, empty, err := c.Dequeue(ctx)
//	switch {
//	case err == nil: // ok: v, or empty
//	case errors.Is(err, queue.ErrDefinite): // fail
//	default: // info
//	}
package queue
