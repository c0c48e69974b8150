// Package reports turns a checked run into the files people read and CI
// systems parse, from the run directory and its history alone (no SSH, no
// cluster): a run can be re-reported at any time by faultline analyze.
//
// Write produces, in the run directory:
//
//	plots/latency-raw.{png,svg}        one point per client op, by operation and outcome, log scale
//	plots/latency-quantiles.{png,svg}  p50/p95/p99/max per time window
//	plots/rate.{png,svg}               completions per second by operation and outcome
//	plots/clock.{png,svg}              each node's clock offset (only when the clock nemesis measured some)
//	timeline.html                      porcupine's timeline, failing keys first, faults annotated
//	timeline-<key>.html                the same for each of the first failing keys alone
//	index.html                         the verdict first, each checker's anomaly in words, the faults,
//	                                   stats, plots, configuration and links; no external assets
//	junit.xml                          one testcase per checker
//
// and appends a Markdown summary to $GITHUB_STEP_SUMMARY when it is set.
// Every plot shades the nemesis's fault intervals (Faults) in the fault's
// own colour (fault.Colour): partition red, kill purple, pause blue, clock
// orange, anything else grey.
//
// JUnit: a valid checker passes, an invalid one is a <failure> whose
// message is the anomaly, an unknown one is an <error> (never a skip: an
// unknown run proved nothing and must not look green).
//
// The pure parts (Faults, Samples, LatencyWindows, Rates, ClockOffsets,
// Avail, Quantile) are exported and tested on histories in virtual time.
//
//	err := reports.Write(ctx, runDir, h, results, "cas-register", time.Minute)
//
// The web UI over a whole store is the subpackage web.
package reports
