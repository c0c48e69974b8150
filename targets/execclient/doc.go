// Package execclient drives a client program that a user writes in any
// language: faultline runs it as a child process and speaks JSON lines with
// it on its stdin and stdout, one op at a time. A Client implements the
// harness's workloads.Client (structurally: this package imports only the
// standard library and package history, as a target must).
//
// # The protocol, for the author of a client program
//
// Your program is started with the environment of faultline plus:
//
//	FAULTLINE_NODE     the node this client is bound to, e.g. n1
//	FAULTLINE_ADDRESS  that node's address, e.g. 10.0.0.11:7000
//	FAULTLINE_NODES    every node as name=address, comma-separated (may be empty)
//
// For each operation faultline writes one line to your stdin: the invoke op
// exactly as history.jsonl holds it, for example
//
//	{"index":0,"time":0,"process":3,"type":"invoke","f":"write","key":"k1","value":4,"node":"n1"}
//
// Your program performs it against the system under test and answers with
// one line on stdout, a JSON object:
//
//		{"type":"ok","value":4}
//		{"type":"fail","error":"refused: cas: old value did not match"}
//		{"type":"info","error":"timeout after sending"}
//
//	  - "type" is "ok" (it took effect), "fail" (it definitely did not) or
//	    "info" (unknown: it may or may not have). Answer info whenever you
//	    cannot be sure: a fail that did happen makes the checkers wrong.
//	  - "value" is the result of an ok (the value read, the items dequeued).
//	    Left out, the completion keeps the invoke's value, which is right for
//	    a write. A value given (null included) is taken as it is.
//	  - "error" explains a fail or an info; it is ignored on an ok. A fail the
//	    op's own semantics caused (a cas whose old value did not match) should
//	    begin with "refused: ", so that it counts as answered.
//	  - Any other field is ignored. The completion keeps the invoke's
//	    process, f, key and node whatever the answer says.
//
// The next op comes only after you have answered. When faultline is done it
// closes your stdin: exit then (you get about a second before you are
// killed). Write logs and diagnostics to stderr, never to stdout: stdout
// carries only answers.
//
// # What faultline does when the program misbehaves
//
// The op in flight becomes an info whose error says what happened, the
// program's whole process group is killed with SIGKILL, and a fresh process
// is started for the next op:
//
//   - it exits (or closes its stdout) before answering: "client exited:
//     exit status 3";
//   - it does not answer by the op's deadline (the run's op timeout):
//     "client did not answer within 5s";
//   - it prints garbage: a line that is not a JSON object, whose "type" is
//     not ok, fail or info, or that is longer than Config.MaxLine (16 MiB by
//     default): "client printed garbage (...): ...", the line clipped;
//   - it prints a line while no op is in flight (an answer for nothing, a
//     second answer): the next op is not sent, becomes an info saying so,
//     and the process is replaced.
//
// A program that exits between ops (after answering) is replaced: the next
// op goes to a fresh process, unless it was written before the exit could
// be seen, and then it is an info like any op of a program that exits.
//
// Errors of faultline's own side that mean the op was never written to the
// program (the client is closed, the program cannot be started, the op's
// context was already done) make the op a fail, since it definitely did not
// happen.
//
// # Logs
//
// Nothing the program prints is lost. Each process gets its own log file,
// Config.LogDir/<node>-<pid>.log, created if missing and only ever appended
// to: a header line (time, argv, directory, pid), every byte of its stderr
// (its stderr is the file itself, so even its children's output and the
// output of a process that crashes are kept), every stdout line that was
// not an answer, prefixed "faultline: stdout", faultline's reason for
// killing it, and its exit status. Error texts in the history name the log.
//
// # Use
//
// A Client is used by one worker goroutine at a time: Invoke is not safe
// for concurrent use with itself. Close may be called from any goroutine,
// also while an Invoke is in flight, which then returns promptly with an
// info. The process is started lazily, at the first Invoke, unless
// Config.StartCheck asks New to start it and see it survive. Only
// Unix-like systems are supported (process groups, SIGKILL).
package execclient
