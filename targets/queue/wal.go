package queue

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/faultline/faultline/targets/paxos"
)

// LogName is the node's log file name inside the data directory.
const LogName = "queue.log"

// DefaultCompactBytes is the log size past which the node rewrites its log
// as a snapshot.
const DefaultCompactBytes = 8 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is 4 bytes little-endian payload length + 4 bytes CRC-32C of
// the payload.
const frameHeader = 8

// maxRecord bounds one record; a length above it is a torn or corrupt frame.
const maxRecord = 64 << 20

// record is one log entry; exactly one of its parts is set.
type record struct {
	// Epoch is a boot epoch.
	Epoch uint64 `json:"epoch,omitempty"`
	// Slot, with State: the acceptor state of a slot; with Decided: a
	// slot's decided value.
	Slot    uint64       `json:"slot,omitempty"`
	State   *paxos.State `json:"s,omitempty"`
	Decided []byte       `json:"d,omitempty"`
	// Snapshot replaces every slot up to Snapshot.Slot.
	Snapshot *Snapshot `json:"snap,omitempty"`
}

// wal is an append-only CRC-framed log. Append returns after its records
// are fsynced; concurrent Appends share one fsync (group commit). Rewrite
// atomically replaces the whole log (write, fsync, rename, fsync dir).
type wal struct {
	dir  string
	path string
	log  *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	f        *os.File     // only the goroutine holding flushing writes to it
	size     atomic.Int64 // bytes in f
	buf      []byte
	seq      uint64 // records appended so far
	synced   uint64 // records durable so far
	flushing bool
	err      error // sticky: once a write or fsync failed, the log is dead
	closed   bool
}

// openWAL reads dir's log (creating it if needed), drops a torn last
// record, and returns the records in order.
func openWAL(dir string, log *slog.Logger) (*wal, []record, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("queue: data dir %q: %w", dir, err)
	}
	w := &wal{dir: dir, path: filepath.Join(dir, LogName), log: log}
	w.cond = sync.NewCond(&w.mu)
	data, err := os.ReadFile(w.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("queue: read log: %w", err)
	}
	recs, good, err := decodeFrames(w.path, data)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("queue: open log: %w", err)
	}
	if good < int64(len(data)) {
		log.Warn("queue: dropping torn log tail", "file", w.path, "offset", good, "bytes", int64(len(data))-good)
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("queue: truncate torn log tail: %w", err)
		}
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("queue: seek log: %w", err)
	}
	w.f = f
	w.size.Store(good)
	return w, recs, nil
}

// decodeFrames returns data's records and the length of the good prefix.
// A bad frame that is the last thing in the file is a torn write and is
// dropped; one followed by more data is corruption and an error.
func decodeFrames(path string, data []byte) ([]record, int64, error) {
	var recs []record
	off := 0
	for off < len(data) {
		if len(data)-off < frameHeader {
			return recs, int64(off), nil
		}
		length := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		end := off + frameHeader + length
		if length > maxRecord || end > len(data) {
			return recs, int64(off), nil
		}
		payload := data[off+frameHeader : end]
		var rec record
		if crc32.Checksum(payload, crcTable) != sum || json.Unmarshal(payload, &rec) != nil {
			if end == len(data) {
				return recs, int64(off), nil
			}
			return nil, 0, fmt.Errorf("queue: log %s: corrupt record at offset %d followed by %d more bytes; refusing to guess", path, off, len(data)-end)
		}
		if rec.State != nil {
			if err := rec.State.Check(); err != nil {
				return nil, 0, fmt.Errorf("queue: log %s offset %d slot %d: %w", path, off, rec.Slot, err)
			}
		}
		recs = append(recs, rec)
		off = end
	}
	return recs, int64(off), nil
}

func appendFrame(buf []byte, rec record) ([]byte, error) {
	payload, err := json.Marshal(rec)
	if err != nil {
		return buf, err
	}
	var h [frameHeader]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(payload, crcTable))
	return append(append(buf, h[:]...), payload...), nil
}

// Append makes recs durable: it returns after they are fsynced.
func (w *wal) Append(recs ...record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("queue: log closed")
	}
	for _, r := range recs {
		buf, err := appendFrame(w.buf, r)
		if err != nil {
			return fmt.Errorf("queue: encode log record: %w", err)
		}
		w.buf = buf
	}
	w.seq++
	mine := w.seq
	for w.synced < mine && w.err == nil {
		if w.flushing {
			w.cond.Wait()
			continue
		}
		w.flush()
	}
	return w.err
}

// flush writes and fsyncs everything buffered. Called with w.mu held;
// releases it during I/O.
func (w *wal) flush() {
	w.flushing = true
	batch, upto := w.buf, w.seq
	w.buf = nil
	w.mu.Unlock()
	err := w.writeSync(batch)
	w.mu.Lock()
	w.flushing = false
	if err != nil {
		w.fail(err)
	} else {
		w.synced = upto
	}
	w.cond.Broadcast()
}

func (w *wal) fail(err error) {
	w.err = fmt.Errorf("queue: log %s: %w", w.path, err)
	w.log.Error("queue: log failed; refusing further writes", "err", err)
}

func (w *wal) writeSync(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.f.Write(b); err != nil {
		return err
	}
	w.size.Add(int64(len(b)))
	return w.f.Sync()
}

// Size is the log file's size in bytes.
func (w *wal) Size() int64 { return w.size.Load() }

// Rewrite replaces the log with the records snap returns, atomically.
// snap runs while no write is in flight; records appended while the new
// file is written go after it. Replay must therefore tolerate a record that
// repeats what the snapshot already holds (it does: later records win, and
// slots at or below the snapshot are ignored).
func (w *wal) Rewrite(snap func() []record) error {
	w.mu.Lock()
	for w.flushing {
		w.cond.Wait()
	}
	if w.err != nil || w.closed {
		err := w.err
		w.mu.Unlock()
		if err == nil {
			err = errors.New("queue: log closed")
		}
		return err
	}
	w.flushing = true
	w.mu.Unlock()

	err := w.rewrite(snap())

	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushing = false
	if err != nil {
		w.fail(err)
	}
	w.cond.Broadcast()
	return err
}

func (w *wal) rewrite(recs []record) error {
	var buf []byte
	var err error
	for _, r := range recs {
		if buf, err = appendFrame(buf, r); err != nil {
			return err
		}
	}
	tmp := w.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := os.Rename(tmp, w.path); err != nil {
		f.Close()
		return err
	}
	if err := syncDir(w.dir); err != nil {
		f.Close()
		return err
	}
	old := w.f
	w.f = f
	w.size.Store(int64(len(buf)))
	old.Close()
	return nil
}

// Close waits for an in-flight write and closes the file.
func (w *wal) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.flushing {
		w.cond.Wait()
	}
	if w.closed {
		return nil
	}
	w.closed = true
	return w.f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
