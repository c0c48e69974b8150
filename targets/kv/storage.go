package kv

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/faultline/faultline/targets/paxos"
)

// LogName is the store's log file inside the data directory.
const LogName = "kv.log"

// DefaultCompactBytes is the log size past which the store rewrites it.
const DefaultCompactBytes = 64 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is 4 bytes little-endian payload length + 4 bytes CRC-32C of
// the payload.
const frameHeader = 8

// maxRecord bounds one record; a longer length is a torn or corrupt frame.
const maxRecord = 16 << 20

// record is one log entry: a kv version (the merged result), elements
// added to a set, an acceptor state, or a boot epoch.
type record struct {
	Epoch   uint64       `json:"epoch,omitempty"`
	KV      string       `json:"kv,omitempty"`
	Version *Version     `json:"v,omitempty"`
	Set     string       `json:"set,omitempty"`
	Add     []int64      `json:"add,omitempty"`
	PX      string       `json:"px,omitempty"`
	State   *paxos.State `json:"s,omitempty"`
}

// Store is one node's durable data: kv versions, grow-only sets and
// acceptor states, kept in memory and logged to an append-only, CRC-framed
// file. Every change returns only after its record is fsynced; concurrent
// changes share one fsync (group commit). A torn last record (kill -9
// mid-write) is dropped on open; corruption before the end is an error.
//
// Changes and reads of one key are serialised by a per-key (striped) lock
// held across the fsync, so nobody reads a value that is not yet durable.
type Store struct {
	dir       string
	path      string
	compactAt int64
	log       *slog.Logger
	seed      maphash.Seed
	keyLocks  [256]sync.Mutex

	mu    sync.Mutex
	cond  *sync.Cond
	f     *os.File // only the flushing goroutine writes to it
	size  int64    // only the flushing goroutine changes it
	epoch uint64
	kv    map[string]Version
	sets  map[string]map[int64]struct{}
	px    map[string]paxos.State

	buf      []byte // records appended but not yet written
	seq      uint64 // records appended so far
	synced   uint64 // records durable so far
	flushing bool
	err      error // sticky: after a failed write or fsync the store refuses work
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

// OpenStore replays dir's log (creating both if needed), drops a torn last
// record, bumps the boot epoch and makes it durable.
func OpenStore(dir string, opts StoreOptions) (*Store, error) {
	if opts.CompactBytes <= 0 {
		opts.CompactBytes = DefaultCompactBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("kv: data dir %q: %w", dir, err)
	}
	s := &Store{dir: dir, path: filepath.Join(dir, LogName), compactAt: opts.CompactBytes, log: opts.Logger,
		seed: maphash.MakeSeed(), kv: map[string]Version{}, sets: map[string]map[int64]struct{}{}, px: map[string]paxos.State{}}
	s.cond = sync.NewCond(&s.mu)
	data, err := os.ReadFile(s.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("kv: read log: %w", err)
	}
	good, n, err := s.replay(data)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kv: open log: %w", err)
	}
	if good < int64(len(data)) {
		s.log.Warn("kv: dropping torn log tail", "file", s.path, "offset", good, "bytes", int64(len(data))-good)
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("kv: truncate torn log tail: %w", err)
		}
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("kv: seek log: %w", err)
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
		return nil, fmt.Errorf("kv: write boot epoch: %w", err)
	}
	s.log.Info("kv: store opened", "file", s.path, "records", n, "kv", len(s.kv), "sets", len(s.sets), "paxos", len(s.px), "epoch", s.epoch)
	return s, nil
}

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
			return int64(off), n, nil // torn payload or length
		}
		payload := data[off+frameHeader : end]
		var rec record
		if crc32.Checksum(payload, crcTable) != sum || json.Unmarshal(payload, &rec) != nil {
			if end == len(data) {
				return int64(off), n, nil // torn last record
			}
			return 0, n, fmt.Errorf("kv: log %s: corrupt record at offset %d followed by %d more bytes; refusing to guess", s.path, off, len(data)-end)
		}
		switch {
		case rec.Version != nil:
			if cur, ok := s.kv[rec.KV]; !ok || cur.Compare(*rec.Version) < 0 {
				s.kv[rec.KV] = *rec.Version
			}
		case rec.Set != "":
			s.addLocked(rec.Set, rec.Add)
		case rec.State != nil:
			if err := rec.State.Check(); err != nil {
				return 0, n, fmt.Errorf("kv: log %s offset %d key %q: %w", s.path, off, rec.PX, err)
			}
			s.px[rec.PX] = *rec.State
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

// Epoch is this boot's number: 1 on the first open, +1 on every open.
func (s *Store) Epoch() uint64 { return s.epoch }

func (s *Store) lockKey(kind Kind, key string) *sync.Mutex {
	m := &s.keyLocks[maphash.String(s.seed, string(kind)+"\x00"+key)%uint64(len(s.keyLocks))]
	m.Lock()
	return m
}

// Get returns the node's own entry for key (Found false when it holds
// nothing).
func (s *Store) Get(kind Kind, key string) (Entry, error) {
	l := s.lockKey(kind, key)
	defer l.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Entry{}, s.err
	}
	return s.entryLocked(kind, key), nil
}

func (s *Store) entryLocked(kind Kind, key string) Entry {
	e := Entry{Kind: kind, Key: key}
	switch kind {
	case KindKV:
		if v, ok := s.kv[key]; ok {
			e.Found, e.Version = true, &v
		}
	case KindSet:
		if set, ok := s.sets[key]; ok {
			e.Found, e.Elements = true, sortedElements(set)
		}
	case KindPaxos:
		if st, ok := s.px[key]; ok {
			st.Value = slices.Clone(st.Value)
			e.Found, e.State = true, &st
		}
	}
	return e
}

func sortedElements(set map[int64]struct{}) []int64 {
	out := make([]int64, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}

// Keys returns the keys of one kind the node holds, sorted.
func (s *Store) Keys(kind Kind) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	switch kind {
	case KindKV:
		for k := range s.kv {
			out = append(out, k)
		}
	case KindSet:
		for k := range s.sets {
			out = append(out, k)
		}
	case KindPaxos:
		for k := range s.px {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Merge folds e into the node's own entry and makes the result durable: a
// later kv version wins, set elements are added, and an acceptor state is
// applied as a delayed Accept of its accepted ballot and value (refused if
// the acceptor promised higher). It returns the entry after the merge and
// whether it changed.
func (s *Store) Merge(e Entry) (Entry, bool, error) {
	if !e.Found {
		cur, err := s.Get(e.Kind, e.Key)
		return cur, false, err
	}
	l := s.lockKey(e.Kind, e.Key)
	defer l.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Entry{}, false, s.err
	}
	var rec record
	switch e.Kind {
	case KindKV:
		if e.Version == nil {
			return Entry{}, false, fmt.Errorf("kv: merge %q: kv entry without a version", e.Key)
		}
		if cur, ok := s.kv[e.Key]; ok && cur.Compare(*e.Version) >= 0 {
			return s.entryLocked(e.Kind, e.Key), false, nil
		}
		v := *e.Version
		s.kv[e.Key] = v
		rec = record{KV: e.Key, Version: &v}
	case KindSet:
		cur := s.sets[e.Key]
		var add []int64
		for _, x := range e.Elements {
			if _, ok := cur[x]; !ok {
				add = append(add, x)
			}
		}
		if cur != nil && len(add) == 0 {
			return s.entryLocked(e.Kind, e.Key), false, nil
		}
		s.addLocked(e.Key, add)
		rec = record{Set: e.Key, Add: add}
	case KindPaxos:
		if e.State == nil {
			return Entry{}, false, fmt.Errorf("kv: merge %q: paxos entry without a state", e.Key)
		}
		cur := s.px[e.Key]
		if !cur.Accepted.Less(e.State.Accepted) {
			return s.entryLocked(e.Kind, e.Key), false, nil
		}
		next, _, changed := cur.OnAccept(e.State.Accepted, e.State.Value)
		if !changed {
			return s.entryLocked(e.Kind, e.Key), false, nil
		}
		s.px[e.Key] = next
		rec = record{PX: e.Key, State: &next}
	default:
		return Entry{}, false, fmt.Errorf("kv: merge %q: unknown kind %q", e.Key, e.Kind)
	}
	if err := s.commitLocked(rec); err != nil {
		return Entry{}, false, err
	}
	return s.entryLocked(e.Kind, e.Key), true, nil
}

func (s *Store) addLocked(key string, add []int64) {
	set := s.sets[key]
	if set == nil {
		set = map[int64]struct{}{}
		s.sets[key] = set
	}
	for _, x := range add {
		set[x] = struct{}{}
	}
}

// StepPaxos runs one acceptor step on key's state under the key's lock:
// step returns the next state and whether it changed; a changed state is
// durable before StepPaxos returns (and so before the caller replies).
func (s *Store) StepPaxos(key string, step func(paxos.State) (paxos.State, bool)) error {
	l := s.lockKey(KindPaxos, key)
	defer l.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	next, changed := step(s.px[key])
	if !changed {
		return nil
	}
	if err := next.Check(); err != nil {
		return fmt.Errorf("kv: acceptor step on %q: %w", key, err)
	}
	next.Value = slices.Clone(next.Value)
	s.px[key] = next
	return s.commitLocked(record{PX: key, State: &next})
}

// commitLocked appends rec and waits until it is durable. Called with s.mu
// held (released while waiting).
func (s *Store) commitLocked(rec record) error {
	if s.closed {
		return errors.New("kv: store closed")
	}
	buf, err := appendRecord(s.buf, rec)
	if err != nil {
		return fmt.Errorf("kv: encode record: %w", err)
	}
	s.buf = buf
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

// flush writes and fsyncs everything buffered, then compacts if due.
// Called with s.mu held; releases it during I/O.
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
		s.err = fmt.Errorf("kv: log %s: %w", s.path, err)
		s.log.Error("kv: store failed; refusing further work", "err", err)
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

// compact rewrites the whole state to a new file, fsyncs it and renames it
// over the log. Runs in the flushing goroutine. The snapshot may include
// changes still waiting for this very flush; those are in the batch just
// written, so the snapshot is never behind the disk.
func (s *Store) compact() error {
	s.mu.Lock()
	buf, err := appendRecord(nil, record{Epoch: s.epoch})
	for k, v := range s.kv {
		if err == nil {
			buf, err = appendRecord(buf, record{KV: k, Version: &v})
		}
	}
	for k, set := range s.sets {
		if err == nil {
			buf, err = appendRecord(buf, record{Set: k, Add: sortedElements(set)})
		}
	}
	for k, st := range s.px {
		if err == nil {
			buf, err = appendRecord(buf, record{PX: k, State: &st})
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
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
	s.log.Info("kv: log compacted", "bytes", len(buf))
	if s.size > s.compactAt/2 {
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
