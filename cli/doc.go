// Package cli holds faultline's cobra commands. It is the one place that
// knows every concrete piece (targets, workloads, nemeses, checkers,
// reports) and wires them into a run.Test.
//
// Each command is one file: an options struct, newXCmd, and runX(ctx, g,
// opts). Errors become exit codes in exactly one place, exitCode in exit.go
// (0 valid, 1 invalid, 2 unknown, 254 bad input, 255 harness error); cobra's
// own printing is silenced so every error reads the same: one line on
// stderr. Data goes to stdout, progress and status to stderr.
//
//	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
package cli
