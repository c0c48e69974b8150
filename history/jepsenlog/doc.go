// Package jepsenlog imports the text log Jepsen writes while it runs a test,
// so that faultline can check histories recorded by Jepsen itself:
//
//	INFO  jepsen.util - 3	:invoke	:cas	[3 0]
//	INFO  jepsen.util - 3	:fail	:cas	[3 0]
//	INFO  jepsen.util - 2	:info	:write	:timed-out
//
// Contract: every op line of the jepsen.util logger becomes one history.Op,
// in file order, with Index and Time its position (the log carries no usable
// clock) and Key "" (such logs are of a single register). Values are EDN and
// become JSON (nil, ints, [old new] for cas); a keyword on a fail or info is
// the op's Error. The result is validated like a JSONL history; errors name
// the line and wrap history.ErrMalformed.
//
//	h, err := jepsenlog.ReadFile("etcd_000.log")
package jepsenlog
