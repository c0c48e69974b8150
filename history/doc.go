// Package history defines the op, the only currency of faultline, and the
// crash-safe JSON-lines files that hold a run's history.
//
// Contract (see docs/design.md): one op per line with fields index, time, process,
// type, f, key, value, node, error. The writer appends and fsyncs at least
// every second; the reader tolerates a torn last line (the controller died
// mid-write) and reports anything else malformed with its line number.
//
//	w, _ := history.Create("store/run/history.jsonl")
//	w.Append(history.Op{Process: 0, Type: history.Invoke, F: "read", Key: "k1"})
//	w.Close()
//	h, _ := history.ReadFile("store/run/history.jsonl")
package history
