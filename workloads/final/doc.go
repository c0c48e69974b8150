// Package final is the final phase of the replicated workloads (kv, set):
// after the heal and the recovery wait, it reads every key's LOCAL state
// on every node (the node's own stored version, no coordination) in
// rounds, until the replicas of every key agree or a deadline passes
// (30 s by default). It writes nothing.
//
// Contract: each local read is recorded through the Recorder as an
// invoke/completion pair with f "final-read", the key, the node, and Value
// {"round": r} on the invoke; the ok completion's Value is the node's state
// plus the round: {"value": v|null, "ts": t, "replica": b, "round": r} for
// kv, {"elements": [...], "replica": b, "round": r} for sets. A read that
// fails completes as fail with the error. Rounds are numbered from 0; a
// key whose replicas (nodes reporting replica=true) agree in a round with
// every read ok is not read again. The times in the history let
// checker.Convergence compute the time to converge from the heal.
// Final-read processes are Options.Process + the node's index, far above
// any worker's process by default.
//
// The phase is wired as run.Test.Final (run.Recorder satisfies Recorder):
//
//	t.Final = func(ctx context.Context, rec run.Recorder) error {
//		_, err := final.ReadKV(ctx, rec, local, final.Options{Nodes: nodes, Keys: gen.Keys()})
//		return err
//	}
package final
