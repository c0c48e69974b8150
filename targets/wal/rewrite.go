package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Rewrite replaces the whole log, atomically, with the records
// Options.Snapshot returns: they are written to a temp file, fsynced, and
// renamed over the log, and the directory is fsynced. A crash leaves either
// the old log or the new one (Open removes a leftover temp file). The log
// also rewrites itself past Options.CompactBytes, the same way.
//
// Invariant: no record appended before the rewrite goes missing from the
// rewritten file's state. The Log keeps half of it: Snapshot runs when no
// write is in flight, and every frame appended but not yet written by then,
// or appended later, is written to the new file after the snapshot. The
// caller keeps the other half:
//
//   - Snapshot reflects every record already written to the file when it
//     runs (which a caller cannot tell apart from "every record whose
//     Append has begun"). A store that applies a change in memory before
//     it calls Append has that for free. A store that applies a record
//     only once it is durable must keep the record where Snapshot sees it
//     from before Append until it is applied, or a rewrite in between
//     would drop a record whose Append already returned.
//   - Replay tolerates a record that comes again after a snapshot that
//     already reflects it (the record was buffered when Snapshot ran).
//
// A failed rewrite is sticky, like a failed write.
func (l *Log) Rewrite() error {
	if l.snapshot == nil {
		return errors.New("wal: Rewrite needs Options.Snapshot")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	if err := l.errLocked(); err != nil {
		return err
	}
	l.flushing = true
	l.mu.Unlock()
	err := l.rewrite()
	l.mu.Lock()
	l.flushing = false
	if err != nil {
		l.failLocked(err)
	}
	l.cond.Broadcast()
	if err != nil {
		return l.err
	}
	return nil
}

// dueForRewrite reports whether the log has grown past its bound. Only
// the flushing goroutine calls it.
func (l *Log) dueForRewrite() bool {
	return l.snapshot != nil && l.compactBytes > 0 && l.size.Load() > l.compactAt
}

// rewrite takes the snapshot and puts it in place of the log. Only the
// goroutine that set flushing calls it, with l.mu released.
func (l *Log) rewrite() error {
	recs, err := l.snapshot()
	if err != nil {
		return fmt.Errorf("rewrite: snapshot: %w", err)
	}
	var buf []byte
	for i, p := range recs {
		if err := checkPayload(p); err != nil {
			return fmt.Errorf("rewrite: snapshot record %d: %w", i, err)
		}
		buf = appendFrame(buf, p)
	}
	tmp := tmpPath(l.path)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	if err := writeFile(f, buf, tmp, l.path); err != nil {
		f.Close()
		return fmt.Errorf("rewrite: %w", err)
	}
	old := l.f
	l.f = f
	l.size.Store(int64(len(buf)))
	old.Close()
	l.compactAt = l.compactBytes
	if size := int64(len(buf)); size > l.compactBytes/2 {
		l.compactAt = 2 * size
	}
	l.log.Info("wal: log rewritten", "file", l.path, "records", len(recs), "bytes", len(buf), "next_at", l.compactAt)
	return nil
}

// writeFile writes buf to f (at tmp), fsyncs it, renames it to path and
// fsyncs the directory: after it returns nil, path is the new file, durably.
func writeFile(f *os.File, buf []byte, tmp, path string) error {
	if _, err := f.Write(buf); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func tmpPath(path string) string { return path + ".tmp" }
