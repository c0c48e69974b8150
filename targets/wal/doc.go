// Package wal is the crash-safe log under the stateful targets (register,
// kv, queue): an append-only file of CRC-framed records with group commit,
// replayed on open, rewritten atomically from a snapshot once it grows.
// The records' meaning stays with each store; the Log only moves bytes.
//
// Contract:
//
//   - Format: each record is a frame, 4 bytes little-endian payload length,
//     4 bytes little-endian CRC-32C (Castagnoli) of the payload, then the
//     payload (the stores put JSON there). Nothing else is in the file.
//   - Append returns nil only after its records are fsynced. Concurrent
//     Appends share one write and one fsync (group commit), and the
//     records of one Append are written together, in order.
//   - Open replays the good records in order. A bad last frame is a write
//     torn by a crash: it is dropped and the file truncated to the good
//     prefix. A bad frame followed by more data is corruption: Open
//     refuses, naming the file and offset, as it does when replay does.
//   - Errors are sticky: after one failed write, fsync or rewrite, every
//     later call fails (Err says so), since the file's tail is unknown.
//   - Rewrite (or CompactBytes) replaces the file with a snapshot by temp
//     file, fsync, rename, directory fsync. What the snapshot must cover
//     so that no acknowledged record is lost is on Rewrite.
//
// Example:
//
//	state := map[string]string{}
//	l, err := wal.Open(filepath.Join(dir, "my.log"), wal.Options{}, func(p []byte) error {
//		k, v, _ := strings.Cut(string(p), "=")
//		state[k] = v
//		return nil
//	})
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	err = l.Append([]byte("a=1"), []byte("b=2")) // durable when nil
package wal
