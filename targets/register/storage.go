package register

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/wal"
)

// LogName is the acceptor log's file name inside the data directory.
const LogName = "acceptor.log"

// DefaultCompactBytes is the log size past which the store rewrites it.
const DefaultCompactBytes = 64 << 20

// record is one log entry (JSON in a wal frame): either a key's full
// acceptor state, or a boot epoch.
type record struct {
	Key   string       `json:"k,omitempty"`
	State *paxos.State `json:"s,omitempty"`
	Epoch uint64       `json:"epoch,omitempty"`
}

// Store is the durable acceptor state of one node: a wal.Log of records,
// each a key's whole state, replayed on open. Put returns only after its
// record is fsynced; concurrent Puts share one fsync (group commit). The
// log is rewritten as a snapshot of states once it grows past a bound.
//
// Store does no per-key locking: the caller serialises steps on a key.
type Store struct {
	wal   *wal.Log
	epoch uint64 // set by OpenStore, read-only after

	mu sync.Mutex
	// states is the latest state of every key. A key's entry may run ahead
	// of the disk only while its Put has not returned (and the caller holds
	// that key's lock), so no reader sees a state that is not durable.
	// Invariant: a Put changes states before it appends the record, so a
	// log rewrite's snapshot of states covers every record on disk.
	states map[string]paxos.State
}

// StoreOptions tunes a Store; the zero value is the default.
type StoreOptions struct {
	// CompactBytes is the log size that triggers a rewrite
	// (DefaultCompactBytes when 0; see wal.Options for how it grows).
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
	s := &Store{states: map[string]paxos.State{}}
	path := filepath.Join(dir, LogName)
	l, err := wal.Open(path, wal.Options{Logger: opts.Logger, CompactBytes: opts.CompactBytes, Snapshot: s.snapshot}, s.replay)
	if err != nil {
		return nil, err
	}
	s.wal = l
	s.epoch++
	if err := s.append(record{Epoch: s.epoch}); err != nil {
		l.Close()
		return nil, fmt.Errorf("register: write boot epoch: %w", err)
	}
	opts.Logger.Info("register: store opened", "file", path, "keys", len(s.states), "epoch", s.epoch)
	return s, nil
}

// replay applies one record of the log. Called only by wal.Open.
func (s *Store) replay(payload []byte) error {
	var rec record
	if err := json.Unmarshal(payload, &rec); err != nil {
		return fmt.Errorf("register: decode record: %w", err)
	}
	switch {
	case rec.State != nil:
		if err := rec.State.Check(); err != nil {
			return fmt.Errorf("register: key %q: %w", rec.Key, err)
		}
		s.states[rec.Key] = *rec.State
	case rec.Epoch != 0:
		s.epoch = max(s.epoch, rec.Epoch)
	}
	return nil
}

// snapshot is the log's rewrite: the epoch, then every key's state. The
// states are copied under s.mu and encoded outside it.
func (s *Store) snapshot() ([][]byte, error) {
	s.mu.Lock()
	recs := make([]record, 0, 1+len(s.states))
	recs = append(recs, record{Epoch: s.epoch})
	for k, st := range s.states {
		recs = append(recs, record{Key: k, State: &st})
	}
	s.mu.Unlock()
	out := make([][]byte, len(recs))
	for i, rec := range recs {
		p, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("register: encode snapshot: %w", err)
		}
		out[i] = p
	}
	return out, nil
}

func (s *Store) append(rec record) error {
	p, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("register: encode record: %w", err)
	}
	return s.wal.Append(p)
}

// Epoch is this boot's number: 1 on the first start, +1 on every open.
// A proposer puts it in its ballot counters (paxos.Ballots) so that it never
// reuses a ballot after a restart.
func (s *Store) Epoch() uint64 { return s.epoch }

// Get returns key's state (the zero State for a new key).
func (s *Store) Get(key string) (paxos.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.wal.Err(); err != nil {
		return paxos.State{}, err
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
	p, err := json.Marshal(record{Key: key, State: &st})
	if err != nil {
		return fmt.Errorf("register: encode state of %q: %w", key, err)
	}
	s.mu.Lock()
	if err := s.wal.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	s.states[key] = st // before Append: see the invariant on states
	s.mu.Unlock()
	return s.wal.Append(p)
}

// Close writes what is appended and closes the log.
func (s *Store) Close() error { return s.wal.Close() }
