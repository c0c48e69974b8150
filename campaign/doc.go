// Package campaign is the pure part of faultline's campaigns: it parses a
// campaign spec (YAML), expands its matrix into cells, judges each cell's
// outcome against its expectation, and defines campaign.json. It runs
// nothing: the cli runs each cell as one test, and reports renders the
// comparison page from a Summary.
//
// A spec names the nodes (a local cluster to bring up, or a nodes file),
// defaults for every cell, and cells: explicit ones and/or matrices whose
// cross product (targets x modes x workloads x nemesis sets x seeds x
// repetitions) is expanded in that order, matrices after explicit cells.
//
//	name: known-bugs
//	cluster: {name: default, nodes: 5}        # or nodes_file: hosts.yaml
//	defaults: {time_limit: 60s, nemesis_interval: 10s, concurrency: 10, rate: 200}
//	cells:
//	  - {target: register, mode: naive, workload: register, nemesis: [partition], expect: invalid}
//	matrix:
//	  - targets: [kv]
//	    modes: [one, quorum, all, serial]
//	    nemeses: [[partition], [clock]]
//	    seeds: [1, 2]
//	    expect: {serial: valid, one: any}     # per mode; or one verdict for all
//
// Contract:
//   - Parse rejects unknown fields, durations without a unit, bad verdicts,
//     duplicate cells and anything the caller's Resolve refuses, with an
//     error that names file:line and says how to fix it (wrapping
//     ErrBadSpec).
//   - Expect is valid (the default), invalid (the anomaly must be caught)
//     or any (run and compare, never fail the campaign). A cell meets it
//     when its verdict equals it; a harness error never does.
//   - A campaign's exit code is 0 when every cell met its expectation,
//     otherwise the worst code of the cells that missed: 255 (harness) >
//     254 (bad input) > 1 (invalid, or an expected anomaly not caught) >
//     2 (unknown).
//
// Example:
//
//	spec, err := campaign.Load("campaigns/known-bugs.yaml", resolve)
//	for _, c := range spec.Cells { ... run c, then res := campaign.Judge(c, verdict, code, err) ... }
//	code := campaign.ExitCode(results)
package campaign
