// Package exitcode defines faultline's exit codes once, for the CLI, the
// campaign runner and the node daemon. They are Jepsen's:
//
//	0   valid
//	1   invalid: a checker found an anomaly
//	2   unknown: a checker timed out, the run was too thin, or it was interrupted
//	254 bad arguments or input (a one-line error naming the flag, file or line)
//	255 harness error (a node unreachable, teardown left residue, a bug)
//
// A campaign exits with the worst code among the cells that missed their
// expectation, in the order of Worse.
package exitcode
