// Package checker turns a history into verdicts: valid, invalid or unknown.
//
// Contract: a Checker is a pure function of the history (no SSH, no clock
// but its timeout, no goroutines left running). Run runs several, turns a
// panic into unknown and merges verdicts as invalid > unknown > valid. The
// verdict is never a false valid: a timeout, a cancelled context, a crash or
// too little activity is unknown.
//
// Linearizable checks per-key linearizability with porcupine against a Model
// (CASRegister: read/write/cas on int registers; KV: get/put/append on
// strings). Ops whose outcome is unknown (info, or never completed) are
// checked as returning at the end of time with an output the model accepts
// whatever it is, so an indeterminate write is never mistaken for a lost
// one; fails are dropped; nemesis ops are ignored. On invalid, Summary names
// the key and the op that cannot be linearized after porcupine's longest
// linearizable prefix.
//
// FIFO (fifo.go) checks a whole queue history for linearizability against
// a FIFO queue without a search when the enqueued values are unique: by the
// violation patterns of Henzinger, Sezgin and Vafeiadis (a dequeue of a
// value never enqueued, a value dequeued twice, a dequeue that overtook an
// older value) and empty dequeues covered by values certainly queued
// (fifo_patterns.go), in O(n log n); which unresolved indeterminate dequeue
// took which never-dequeued value is decided exactly or by a bounded
// search (fifo_assign.go), unknown past it. It is the queue model's check:
// Linearizable and AnalyzeFile hand queue histories to it.
//
// Convergence (convergence.go) judges the final phase's local reads (f
// final-read, see workloads/final): every key's replicas agree at the end,
// sets hold every acknowledged add and nothing never added, and the time
// from the heal to agreement. Set (set.go) follows every element of a set
// workload through the reads, Jepsen's set-full style: lost, stale,
// missing at the final reads, unexpected. StaleReads (stale.go) counts
// reads of superseded values in keyed read/write histories; it is
// informational (valid) unless Strict.
//
// Performance (BENCHMARKS.md has the figures): the verdict comes first, from
// a plain bounded porcupine search per key, keys on all cores, largest
// first, stopping at the first illegal key; every model gives porcupine a
// Hash and a StepContext, and the deadline is enforced inside each step.
// The same pass explains what it finds: each model is a typed spec
// (spec.go) and the search's states are traced (trace.go), so the deepest
// state the search reaches is porcupine's longest linearizable prefix,
// found without the verbose search. WriteTimeline draws porcupine's HTML
// timeline (failing keys first, then a sample of passing ones, nemesis
// faults as annotated intervals, times in seconds) in a separate pass
// bounded in time (Timeout) and memory (MaxOps); a key too long to draw
// whole is drawn as a window around its anomaly (TimelineOptions.Focus,
// from FocusOf), saying which ops it shows. AnalyzeFile is the `faultline analyze
// --model M --format F FILE` entry point; it streams faultline's JSONL from
// disk straight into porcupine operations, so the history is never held
// whole (a queue history is read whole, for FIFO).
//
//	lin := checker.Linearizable{Model: checker.CASRegister(), Timeout: time.Minute}
//	res := checker.Run(ctx, h, lin)
//	r := res.Checkers[lin.Name()]
//	if r.Verdict == checker.Invalid {
//		checker.WriteTimelineFile(ctx, h, lin.Model, dir+"/timeline.html",
//			checker.TimelineOptions{FailingKeys: checker.IllegalKeys(r)})
//	}
package checker
