package register

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

	"github.com/faultline/faultline/targets/paxos"
)

// LogName is the acceptor log's file name inside the data directory.
const LogName = "acceptor.log"

// DefaultCompactBytes is the log size past which the store rewrites it.
const DefaultCompactBytes = 64 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is 4 bytes little-endian payload length + 4 bytes CRC-32C of
// the payload.
const frameHeader = 8

// maxRecord bounds one record; a length above it is a torn or corrupt frame.
const maxRecord = 16 << 20

// record is one log entry: either a key's full acceptor state, or a boot
// epoch.
type record struct {
	Key   string       `json:"k,omitempty"`
	State *paxos.State `json:"s,omitempty"`
	Epoch uint64       `json:"epoch,omitempty"`
}

// Store is the durable acceptor state of one node: an append-only log of
// records, each a key's whole state, replayed on open. Put returns only
// after its record is fsynced; concurrent Puts share one fsync (group
// commit). The log is rewritten (compacted) once it grows past a bound.
//
// Store does no per-key locking: the caller serialises steps on a key.
type Store struct {
	dir       string
	path      string
	compactAt int64
	log       *slog.Logger

	mu    sync.Mutex
	cond  *sync.Cond
	f     *os.File // only the flushing goroutine writes to it
	size  int64    // bytes in f; only the flushing goroutine changes it
	epoch uint64
	// states is the latest state of every key. A key's entry may run ahead
	// of the disk only while its Put has not returned (and the caller holds
	// that key's lock), so no reader sees a state that is not durable.
	states   map[string]paxos.State
	buf      []byte // records appended but not yet written
	seq      uint64 // records appended so far
	synced   uint64 // records durable so far
	flushing bool
	err      error // sticky: once a write or fsync failed, the store is dead
	closed   bool
}

// StoreOptions tunes a Store; the zero value is the default.
type StoreOptions struct {
	// CompactBytes is the log size that triggers a rewrite
	// (DefaultCompactBytes when 0).
	CompactBytes int64
	// Logger receives replay and compaction notes (discarded when nil).
	Logger *slog.Logger
}

// OpenStore replays dir's log (creating dir and the log if needed), drops a
// torn last record, bumps the boot epoch and makes it durable.
func OpenStore(dir string, opts StoreOptions) (*Store, error) {
	if opts.CompactBytes <= 0 {
		opts.CompactBytes = DefaultCompactBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("register: data dir %q: %w", dir, err)
	}
	s := &Store{dir: dir, path: filepath.Join(dir, LogName), compactAt: opts.CompactBytes,
		log: opts.Logger, states: map[string]paxos.State{}}
	s.cond = sync.NewCond(&s.mu)
	data, err := os.ReadFile(s.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("register: read log: %w", err)
	}
	good, n, err := s.replay(data)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("register: open log: %w", err)
	}
	if good < int64(len(data)) {
		s.log.Warn("register: dropping torn log tail", "file", s.path, "offset", good, "bytes", int64(len(data))-good)
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("register: truncate torn log tail: %w", err)
		}
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("register: seek log: %w", err)
	}
	s.f, s.size = f, good
	s.epoch++
	frame, err := appendRecord(nil, record{Epoch: s.epoch})
	if err == nil {
		err = s.writeSync(frame)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("register: write boot epoch: %w", err)
	}
	s.log.Info("register: store opened", "file", s.path, "records", n, "keys", len(s.states), "epoch", s.epoch)
	return s, nil
}

// replay applies data's records and returns the length of the good prefix.
// A bad frame that is the last thing in the file is a torn write and is
// dropped; one followed by more data is corruption and an error.
func (s *Store) replay(data []byte) (good int64, n int, err error) {
	off := 0
	for off < len(data) {
		if len(data)-off < frameHeader {
			return int64(off), n, nil // torn header
		}
		length := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		end := off + frameHeader + length
		if length > maxRecord || end > len(data) {
			return int64(off), n, nil // torn payload (or a torn length field)
		}
		payload := data[off+frameHeader : end]
		var rec record
		if crc32.Checksum(payload, crcTable) != sum || json.Unmarshal(payload, &rec) != nil {
			if end == len(data) {
				return int64(off), n, nil // torn last record
			}
			return 0, n, fmt.Errorf("register: log %s: corrupt record at offset %d followed by %d more bytes; refusing to guess", s.path, off, len(data)-end)
		}
		switch {
		case rec.State != nil:
			if err := rec.State.Check(); err != nil {
				return 0, n, fmt.Errorf("register: log %s offset %d key %q: %w", s.path, off, rec.Key, err)
			}
			s.states[rec.Key] = *rec.State
		case rec.Epoch != 0:
			s.epoch = max(s.epoch, rec.Epoch)
		}
		n++
		off = end
	}
	return int64(off), n, nil
}

func appendRecord(buf []byte, rec record) ([]byte, error) {
	payload, err := json.Marshal(rec)
	if err != nil {
		return buf, err
	}
	var h [frameHeader]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(payload, crcTable))
	return append(append(buf, h[:]...), payload...), nil
}

// Epoch is this boot's number: 1 on the first start, +1 on every open.
// A proposer puts it in its ballot counters (paxos.Ballots) so that it never
// reuses a ballot after a restart.
func (s *Store) Epoch() uint64 { return s.epoch }

// Get returns key's state (the zero State for a new key).
func (s *Store) Get(key string) (paxos.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return paxos.State{}, s.err
	}
	return s.states[key], nil
}

// Keys is the number of keys with state.
func (s *Store) Keys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.states)
}

// Put makes key's state durable: it returns after the record is fsynced.
func (s *Store) Put(key string, st paxos.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return errors.New("register: store closed")
	}
	buf, err := appendRecord(s.buf, record{Key: key, State: &st})
	if err != nil {
		return fmt.Errorf("register: encode state of %q: %w", key, err)
	}
	s.buf = buf
	s.states[key] = st
	s.seq++
	mine := s.seq
	for s.synced < mine && s.err == nil {
		if s.flushing {
			s.cond.Wait()
			continue
		}
		s.flush()
	}
	return s.err
}

// flush writes and fsyncs everything buffered, then compacts if due. Called
// with s.mu held; releases it while doing I/O.
func (s *Store) flush() {
	s.flushing = true
	batch, upto := s.buf, s.seq
	s.buf = nil
	s.mu.Unlock()
	err := s.writeSync(batch)
	if err == nil && s.size > s.compactAt {
		err = s.compact()
	}
	s.mu.Lock()
	s.flushing = false
	if err != nil {
		s.err = fmt.Errorf("register: log %s: %w", s.path, err)
		s.log.Error("register: store failed; refusing further writes", "err", err)
	} else {
		s.synced = upto
	}
	s.cond.Broadcast()
}

func (s *Store) writeSync(b []byte) error {
	if _, err := s.f.Write(b); err != nil {
		return err
	}
	s.size += int64(len(b))
	return s.f.Sync()
}

// compact rewrites the current states to a new file, fsyncs it and renames
// it over the log. Runs in the flushing goroutine; Puts meanwhile buffer.
func (s *Store) compact() error {
	s.mu.Lock()
	snap := make(map[string]paxos.State, len(s.states))
	for k, v := range s.states {
		snap[k] = v
	}
	epoch := s.epoch
	s.mu.Unlock()

	buf, err := appendRecord(nil, record{Epoch: epoch})
	if err != nil {
		return err
	}
	for k, v := range snap {
		if buf, err = appendRecord(buf, record{Key: k, State: &v}); err != nil {
			return err
		}
	}
	tmp := s.path + ".tmp"
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
	if err := os.Rename(tmp, s.path); err != nil {
		f.Close()
		return err
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	old := s.f
	s.f, s.size = f, int64(len(buf))
	old.Close()
	s.log.Info("register: log compacted", "keys", len(snap), "bytes", len(buf))
	if s.size > s.compactAt/2 {
		// Mostly live data: grow the bound so we do not rewrite constantly.
		s.compactAt = 2 * s.size
	}
	return nil
}

// Close waits for an in-flight flush and closes the log.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.flushing {
		s.cond.Wait()
	}
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
