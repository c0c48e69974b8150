package wal

import "os"

// Syncs is how many batches l has written, one fsync each.
func Syncs(l *Log) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncs
}

// Waiting is how many Appends are waiting for their fsync.
func Waiting(l *Log) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq - l.synced
}

// Stall makes l behave as if a write were in flight until release is
// called: Appends meanwhile buffer and wait, as they do behind a slow
// fsync.
func Stall(l *Log) (release func()) {
	l.mu.Lock()
	for l.flushing {
		l.cond.Wait()
	}
	l.flushing = true
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.flushing = false
		l.cond.Broadcast()
		l.mu.Unlock()
	}
}

// BreakFile closes l's file under it, so that its next write fails, and
// returns a function that gives it a working file again. Call it with no
// write in flight.
func BreakFile(l *Log) (repair func()) {
	l.f.Close()
	return func() {
		f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			panic(err)
		}
		l.f = f
	}
}

// CompactAt is the size past which l's next flush rewrites it.
func CompactAt(l *Log) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.compactAt
}
