package wal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// ErrClosed is what every call on a closed Log returns.
var ErrClosed = errors.New("wal: log closed")

// maxSpare bounds the written batch buffer a Log keeps to reuse.
const maxSpare = 1 << 20

// Options tunes a Log; the zero value logs nothing and never rewrites by
// itself.
type Options struct {
	// Logger receives notes on a dropped torn tail, rewrites and failures
	// (discarded when nil).
	Logger *slog.Logger
	// CompactBytes, when > 0 and Snapshot is set, makes the log rewrite
	// itself (see Rewrite) once a batch has taken it past the bound. After
	// a rewrite the bound is CompactBytes again, or twice the rewritten
	// size when that is over CompactBytes/2: mostly live data, which would
	// otherwise be rewritten on nearly every append.
	CompactBytes int64
	// Snapshot returns the records that replace the whole log, for Rewrite
	// and for the rewrites CompactBytes triggers. Read Rewrite for what it
	// must cover. It is called with no write in flight and no lock of the
	// Log held, so it may take the caller's own locks, provided no one
	// holding those waits on the Log.
	Snapshot func() ([][]byte, error)
}

// Log is an append-only file of CRC-framed records with group commit. See
// the package doc for the contract.
type Log struct {
	path         string
	log          *slog.Logger
	compactBytes int64
	snapshot     func() ([][]byte, error)
	size         atomic.Int64 // bytes in f

	mu   sync.Mutex
	cond *sync.Cond // on mu: a flush finished, or the log failed
	// buf holds the frames appended but not yet written, in append order.
	buf []byte
	// seq numbers the Appends; synced is the highest whose frames are
	// fsynced. Invariant: synced <= seq, and Append number n returns nil
	// only once synced >= n.
	seq, synced uint64
	// flushing is set while one goroutine writes (a batch, or a rewrite)
	// with mu released. Invariant: only that goroutine touches f, spare and
	// compactAt; everyone else appends to buf and waits.
	flushing  bool
	f         *os.File
	spare     []byte // a written batch's buffer, reused as the next buf
	compactAt int64  // size past which the next flush rewrites
	// err is sticky: once a write, fsync or rewrite failed, the file's
	// tail is unknown and every later call fails with err.
	err    error
	closed bool
	syncs  uint64 // batches fsynced (one fsync each), for tests
}

// Open replays the log at path and opens it for appending. It creates the
// directory and the file if needed and removes a rewrite's temp file left
// by a crash. replay sees each good record's payload in order; it must not
// keep the slice. A torn last frame is logged and truncated away. Open
// fails, naming the file and offset, on a bad frame followed by more data
// or when replay returns an error.
func Open(path string, opts Options, replay func(payload []byte) error) (*Log, error) {
	l := &Log{path: path, log: opts.Logger, compactBytes: opts.CompactBytes,
		snapshot: opts.Snapshot, compactAt: opts.CompactBytes}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.cond = sync.NewCond(&l.mu)
	dir := filepath.Dir(path)
	if err := makeDir(dir); err != nil {
		return nil, err
	}
	tmp := tmpPath(path)
	if err := os.Remove(tmp); err == nil {
		l.log.Warn("wal: removed an unfinished rewrite", "file", tmp)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("wal: remove unfinished rewrite %s: %w", tmp, err)
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("wal: read log %s: %w", path, err)
	}
	good, n, err := scan(path, data, replay)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("wal: open log: %w", err)
	}
	if err := l.cutTail(f, good, int64(len(data))); err != nil {
		f.Close()
		return nil, err
	}
	// The file's directory entry (a new file, a removed temp file) is
	// durable before anything is acknowledged from it.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: sync dir %s: %w", dir, err)
	}
	l.f = f
	l.size.Store(good)
	l.log.Info("wal: log replayed", "file", path, "records", n, "bytes", good)
	return l, nil
}

// cutTail truncates f to its good prefix when a torn tail follows it, and
// leaves f positioned at the end.
func (l *Log) cutTail(f *os.File, good, size int64) error {
	if good < size {
		l.log.Warn("wal: dropping torn log tail", "file", l.path, "offset", good, "bytes", size-good)
		if err := f.Truncate(good); err != nil {
			return fmt.Errorf("wal: truncate torn tail of %s: %w", l.path, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("wal: sync %s: %w", l.path, err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		return fmt.Errorf("wal: seek %s: %w", l.path, err)
	}
	return nil
}

// Append makes payloads durable, in order and as one group: it returns nil
// only after their frames are fsynced. Concurrent Appends share one write
// and one fsync (group commit): whoever finds no write in flight writes
// everything buffered so far. An empty payload or one over MaxRecord is
// refused before anything is written.
func (l *Log) Append(payloads ...[]byte) error {
	for _, p := range payloads {
		if err := checkPayload(p); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.errLocked(); err != nil {
		return err
	}
	if len(payloads) == 0 {
		return nil
	}
	for _, p := range payloads {
		l.buf = appendFrame(l.buf, p)
	}
	l.seq++
	mine := l.seq
	for l.synced < mine {
		switch {
		case l.err != nil:
			return l.err
		case l.flushing:
			l.cond.Wait()
		case l.closed:
			return ErrClosed
		default:
			l.flushLocked()
		}
	}
	return nil
}

// flushLocked writes and fsyncs everything buffered, then rewrites the log
// if it is due. Called with l.mu held and flushing clear; releases l.mu
// during the I/O.
func (l *Log) flushLocked() {
	l.flushing = true
	batch, upto := l.buf, l.seq
	l.buf, l.spare = l.spare[:0], nil
	l.mu.Unlock()

	err := l.writeSync(batch)
	if err == nil && l.dueForRewrite() {
		err = l.rewrite()
	}
	if cap(batch) <= maxSpare {
		l.spare = batch
	}

	l.mu.Lock()
	l.flushing = false
	l.syncs++
	if err != nil {
		l.failLocked(err)
	} else {
		l.synced = upto
	}
	l.cond.Broadcast()
}

func (l *Log) writeSync(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	// A short write leaves a torn frame; the error makes the log sticky,
	// so nothing is appended after it and the next Open drops it.
	if _, err := l.f.Write(b); err != nil {
		return err
	}
	l.size.Add(int64(len(b)))
	return l.f.Sync()
}

// failLocked makes err sticky. Called with l.mu held.
func (l *Log) failLocked(err error) {
	l.err = fmt.Errorf("wal: log %s: %w", l.path, err)
	l.log.Error("wal: log failed; refusing further writes", "file", l.path, "err", err)
}

// errLocked is why the log takes no more work, or nil. Called with l.mu
// held.
func (l *Log) errLocked() error {
	if l.err != nil {
		return l.err
	}
	if l.closed {
		return ErrClosed
	}
	return nil
}

// Err reports why the log takes no more appends: the sticky error of a
// failed write, fsync or rewrite, or ErrClosed. A store checks it before
// it changes memory, and on reads, so that after a failure nobody sees a
// state whose record may not be on disk.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errLocked()
}

// Size is the file's size in bytes: what is written, fsynced or not.
func (l *Log) Size() int64 { return l.size.Load() }

// Close writes what was appended before it was called, waits for the
// write in flight and closes the file. Appends still waiting after that
// fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	target := l.seq
	for l.flushing || l.err == nil && !l.closed && l.synced < target {
		if l.flushing {
			l.cond.Wait()
		} else {
			l.flushLocked()
		}
	}
	if l.closed {
		return nil
	}
	l.closed = true
	l.cond.Broadcast()
	return l.f.Close()
}
