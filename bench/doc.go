// Package bench holds what faultline's benchmarks need beyond `go test
// -bench`: a generator of large linearizable register histories (for the
// checker's 1,000,000-op benchmark) and the latency and throughput summary
// of a recorded history (for the cluster benchmarks of scripts/bench.sh).
// BENCHMARKS.md records the figures and how they were measured.
//
// Contract: the generator is deterministic for a seed and its histories are
// linearizable by construction (every op takes effect at a point between its
// invoke and its completion), so a checker that calls one invalid is wrong.
// Nothing here is run by `make test` except small unit tests.
//
//	f, _ := os.Create("reg.jsonl")
//	err := bench.WriteRegister(f, bench.RegisterOptions{Ops: 1_000_000, Keys: 10_000, Processes: 50, Seed: 1})
//
// The command bench/cmd/flbench wraps both for the shell script.
package bench
