// Package clock is the node clock of faultline's own targets: system time
// plus an offset and an optional rate, read from a file in the node's
// directory. A namespace node shares the host's kernel clock, so the clock
// nemesis skews our targets by writing this file over SSH; every
// time-dependent decision of a target (last-write-wins timestamps) reads
// Clock.Now, and GET /clock (Handler) reports it so the harness can verify
// and plot the skew.
//
// Contract:
//
//   - The file holds one JSON object:
//     {"offset_ns": int64, "rate": float64 (optional, default 1),
//     "since_ns": int64 (optional: unix ns at which the rate started;
//     default the file's modification time)}.
//     An absent or empty file means no skew.
//   - Now = sys + offset + (rate-1) * (sys - since) (Config.At, pure).
//   - The file is re-read when it changes (modification time, size or
//     inode; writers replace it atomically with rename), checked at most
//     every CheckEvery (10 ms by default), so a change takes effect well
//     within 100 ms. A file that does not parse leaves the previous
//     setting in force and is reported by Err.
//
// Example:
//
//	clk := clock.New("/opt/faultline/clock", clock.Options{})
//	ts := clk.Now().UnixNano()
//	mux.Handle("GET /clock", clock.Handler("n1", clk))
package clock
