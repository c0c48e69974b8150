// Package porctest is test support for the Paxos targets (register, kv and
// the paxos core): a keyed cas-register model for porcupine and a Recorder
// that turns concurrent client calls into a porcupine history. The targets'
// tests check their histories with porcupine directly, so that a bug in our
// own checker cannot hide a bug in a target.
//
// It is imported only from _test.go files; nothing that ships (the node
// daemon, the CLI) may import it.
//
// Contract:
//
//   - Input is one call: Op is "read", "write" or "cas"; Old nil on a cas
//     means "expect no value". Output.Val nil on a read means "no value".
//   - Recorder.Add takes the outcome as "ok", "fail" or "info". A fail op
//     definitely did not happen and is left out of the history; an info op
//     may or may not have happened, so it returns at the end of time
//     (math.MaxInt64) with an output CASRegister accepts as anything.
//
// Example:
//
//	rec := porctest.NewRecorder()
//	in := porctest.Input{Op: "write", Key: "k", Val: 3}
//	call := rec.Now()
//	err := client.Write(ctx, in.Key, in.Val)
//	rec.Add(0, in, call, porctest.Output{}, outcome(err)) // "ok", "fail" or "info"
//	res := porcupine.CheckOperationsTimeout(porctest.CASRegister, rec.Ops(), time.Minute)
package porctest
