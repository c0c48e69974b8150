// Package kv is the kv workload: reads and writes (and, where the target
// offers them, compare-and-sets) over many independent integer keys of a
// key-value store, checked per key for linearizability with the
// cas-register model (checker.CASRegister), for stale reads
// (checker.StaleReads) and, after the heal, for convergence of the
// replicas (final.ReadKV and checker.Convergence).
//
// Generator hands out ops over keys k0, k1, ...; each key receives at most
// OpsPerKey ops and KeysInFlight keys are active at once, as in the
// register workload. Every write and cas-new value is unique per key, so a
// read says exactly which write it saw. CAS is off unless Options.CAS is
// set: only `kv --mode serial` can honour a cas.
//
// NewClient adapts a target's API into a workloads.Client with the outcome
// taxonomy every checker relies on: ok took effect; fail definitely did not
// (a cas mismatch, an error the Definite classifier vouches for, any failed
// read); info may have (timeouts, lost replies, the per-op deadline).
//
//	gen := kv.NewGenerator(kv.Options{Concurrency: 10, CAS: mode == "serial"})
//	cl := kv.NewClient(api, api.Definite, "n1")
//	op, _ := gen.Next(rng, 0)
//	done := cl.Invoke(ctx, op) // ok / fail / info
//	keys := gen.Keys()         // for the final phase
package kv
