// Package run is the test lifecycle and the store.
//
// A Test composes a target, a workload (generator, clients, checkers), a
// nemesis with its plan, and a healer; Run sequences the phases — preflight
// heal, setup, workload under faults, final heal, recovery, log collection,
// teardown with a residue check, checking, report — and guarantees that
// faults are healed on every path, including Ctrl-C. Every op is appended
// to history.jsonl as it happens; the checkers read the history back from
// disk, so analyze can re-check any stored run without a cluster.
//
// The store holds one directory per run: store/<test-name>/<time>/ with
// test.json, history.jsonl, results.json, faultline.log, nodes/ and the
// report; store/latest and store/<test-name>/latest point at the newest.
// Package rundir names those files, makes the directory and reads and
// writes its records.
//
//	out, err := run.Run(ctx, test)
//	fmt.Println(out.Results.Verdict, out.Dir)
package run
