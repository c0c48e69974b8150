package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// DefaultSyncEvery is how often a Writer flushes and fsyncs by default. The
// contract (docs/design.md) is at most one second of history lost to a SIGKILL.
const DefaultSyncEvery = 200 * time.Millisecond

// Writer appends ops to a history file, one JSON line each. It assigns the
// dense Index, and is safe for concurrent use: ops are encoded outside any
// lock, and Append holds a mutex only to number the op, read the clock and
// copy the line into the buffer. A background goroutine flushes and
// fsyncs every syncEvery; Close (or Flush) does it at once.
type Writer struct {
	f     *os.File
	start time.Time

	mu   sync.Mutex
	bw   *bufio.Writer
	next int64
	err  error // sticky: the first write error; Invariant: once set, no more writes
	// written counts the ops handed to bw; Invariant: synced <= written.
	written int64
	synced  int64 // ops known fsynced; guarded by syncMu

	syncMu sync.Mutex // serialises fsyncs (never held with mu by Append)
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// Create creates (or truncates) the history file at path and returns a Writer
// that syncs every DefaultSyncEvery.
func Create(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("history: create %s: %w", path, err)
	}
	return NewWriter(f, DefaultSyncEvery), nil
}

// NewWriter writes to f, which must be empty and positioned at its end.
// syncEvery <= 0 means DefaultSyncEvery. The Writer owns f: Close closes it.
func NewWriter(f *os.File, syncEvery time.Duration) *Writer {
	if syncEvery <= 0 {
		syncEvery = DefaultSyncEvery
	}
	w := &Writer{
		f:     f,
		start: time.Now(),
		bw:    bufio.NewWriterSize(f, 64<<10),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go w.syncLoop(syncEvery)
	return w
}

// Started is when the Writer was made; Record measures Time from it.
func (w *Writer) Started() time.Time { return w.start }

// Append writes op with the next Index and returns the op as written. The
// caller's Time is kept.
func (w *Writer) Append(op Op) (Op, error) {
	return w.append(op, false)
}

// Record is Append that also sets Time to the nanoseconds since Started, read
// under the same lock that assigns Index, so time never decreases with index.
func (w *Writer) Record(op Op) (Op, error) {
	return w.append(op, true)
}

// encBuf is an encoder with its buffer, reused across appends.
type encBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encPool = sync.Pool{New: func() any {
	e := &encBuf{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// placeholder is how every encoded op starts when Index and Time are 0;
// append replaces it with the real ones under the lock.
const placeholder = `{"index":0,"time":0,`

func (w *Writer) append(op Op, stamp bool) (Op, error) {
	// Encode outside the lock, with Index and Time zero: the lock then
	// covers only numbering, the clock read and a copy into the buffer, so
	// workers do not queue behind each other's JSON encoding.
	e := encPool.Get().(*encBuf)
	defer encPool.Put(e)
	e.buf.Reset()
	index, t := op.Index, op.Time
	op.Index, op.Time = 0, 0
	err := e.enc.Encode(op)
	op.Index, op.Time = index, t
	if err != nil {
		// Bad input (e.g. a Value that is not JSON): refuse this op only.
		return op, fmt.Errorf("history: op (%s %s by process %s) cannot be encoded: %w", op.Type, op.F, op.Process, err)
	}
	body, ok := bytes.CutPrefix(e.buf.Bytes(), []byte(placeholder))
	if !ok {
		return op, fmt.Errorf("history: op (%s %s by process %s) encodes without the index/time prefix: %.40q", op.Type, op.F, op.Process, e.buf.Bytes())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return op, w.err
	}
	if w.closed {
		return op, fmt.Errorf("history: %s: append after Close", w.f.Name())
	}
	op.Index = w.next
	if stamp {
		op.Time = time.Since(w.start).Nanoseconds()
	}
	var num [48]byte
	head := append(num[:0], `{"index":`...)
	head = strconv.AppendInt(head, op.Index, 10)
	head = append(head, `,"time":`...)
	head = strconv.AppendInt(head, op.Time, 10)
	head = append(head, ',')
	w.bw.Write(head)
	if _, err := w.bw.Write(body); err != nil {
		w.err = fmt.Errorf("history: write %s: %w", w.f.Name(), err)
		return op, w.err
	}
	w.next++
	w.written++
	return op, nil
}

// Flush writes buffered ops to the file and fsyncs it.
func (w *Writer) Flush() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("history: write %s: %w", w.f.Name(), err)
		w.mu.Unlock()
		return w.err
	}
	target := w.written
	w.mu.Unlock()
	if target == w.synced {
		return nil
	}
	// fsync outside mu: appends continue into the buffer meanwhile.
	if err := w.f.Sync(); err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = fmt.Errorf("history: fsync %s: %w", w.f.Name(), err)
		}
		err = w.err
		w.mu.Unlock()
		return err
	}
	w.synced = target
	return nil
}

func (w *Writer) syncLoop(every time.Duration) {
	defer close(w.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			_ = w.Flush() // the error is sticky and returned by the next Append/Close
		}
	}
}

// Close flushes, fsyncs and closes the file, and stops the sync goroutine.
// It returns the first error the Writer met.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return fmt.Errorf("history: %s: closed twice", w.f.Name())
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	err := w.Flush()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("history: close %s: %w", w.f.Name(), cerr)
	}
	return err
}
