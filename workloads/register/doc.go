// Package register is the register workload: reads, writes and
// compare-and-sets over many independent integer registers, checked for
// linearizability per key (the cas-register model).
//
// Generator hands out ops over keys k0, k1, ...; each key receives at most
// OpsPerKey ops (so each key's history stays small enough to check) and
// KeysInFlight keys are active at once, so several processes contend on
// each. Write and cas-new values are unique per key; a cas's old value is a
// value recently written to that key, so some cas ops succeed.
//
// NewClient adapts a target's API into a workloads.Client with the outcome
// taxonomy every checker relies on: ok took effect, fail definitely did not
// (a cas mismatch, an error the target's Definite classifier vouches for,
// any failed read), info may have (timeouts, lost replies, the per-op
// deadline passing).
//
//	gen := register.NewGenerator(register.Options{Concurrency: 10})
//	cl := register.NewClient(api, api.Definite, "n1")
//	op, _ := gen.Next(rng, 0)
//	done := cl.Invoke(ctx, op) // ok / fail / info
package register
