// Package set is the set workload: each op adds a unique integer element
// to one of a few per-key sets, or reads a whole set. It is checked in
// Jepsen's set-full spirit (checker.Set: every acknowledged add must be
// seen and never lost) and, after the heal, for convergence of the
// replicas (final.ReadSets and checker.Convergence).
//
// Generator spreads ops over Keys sets (s0..s4 by default), many adds
// each; every element is unique across the whole run, so a read shows
// exactly which adds it saw. Ops: add (Value: the element; ok Value: the
// element) and read (ok Value: the sorted element list).
//
// NewClient adapts a target's API into a workloads.Client with the usual
// outcome taxonomy: ok took effect; fail definitely did not (an error the
// Definite classifier vouches for, any failed read); info may have.
//
//	gen := set.NewGenerator(set.Options{})
//	cl := set.NewClient(api, api.Definite, "n1")
//	op, _ := gen.Next(rng, 0)
//	done := cl.Invoke(ctx, op)
package set
