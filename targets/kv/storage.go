package kv

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/wal"
)

// LogName is the store's log file inside the data directory.
const LogName = "kv.log"

// DefaultCompactBytes is the log size past which the store rewrites it.
const DefaultCompactBytes = 64 << 20

// record is one log entry (JSON in a wal frame): a kv version (the merged
// result), elements added to a set, an acceptor state, or a boot epoch.
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
// acceptor states, kept in memory and logged to a wal.Log. Every change
// returns only after its record is fsynced; concurrent changes share one
// fsync (group commit). A torn last record (kill -9 mid-write) is dropped
// on open; corruption before the end is an error.
//
// Changes and reads of one key are serialised by a per-key (striped) lock
// held across the fsync, so nobody reads a value that is not yet durable.
type Store struct {
	wal      *wal.Log
	seed     maphash.Seed
	keyLocks [256]sync.Mutex
	epoch    uint64 // set by OpenStore, read-only after

	mu sync.Mutex
	// kv, sets and px are the node's data. A change is applied here (by
	// applyLocked) before its record is appended, with the key's lock held
	// until the record is durable.
	// Invariant: they reflect every record in the log, so a log rewrite's
	// snapshot of them loses nothing.
	kv   map[string]Version
	sets map[string]map[int64]struct{}
	px   map[string]paxos.State
}

// StoreOptions tunes a Store; the zero value is the default.
type StoreOptions struct {
	// CompactBytes is the log size that triggers a rewrite
	// (DefaultCompactBytes when 0; see wal.Options for how it grows).
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
	s := &Store{seed: maphash.MakeSeed(), kv: map[string]Version{}, sets: map[string]map[int64]struct{}{}, px: map[string]paxos.State{}}
	path := filepath.Join(dir, LogName)
	l, err := wal.Open(path, wal.Options{Logger: opts.Logger, CompactBytes: opts.CompactBytes, Snapshot: s.snapshot}, s.replay)
	if err != nil {
		return nil, err
	}
	s.wal = l
	s.epoch++
	p, err := json.Marshal(record{Epoch: s.epoch})
	if err == nil {
		err = l.Append(p)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("kv: write boot epoch: %w", err)
	}
	opts.Logger.Info("kv: store opened", "file", path, "kv", len(s.kv), "sets", len(s.sets), "paxos", len(s.px), "epoch", s.epoch)
	return s, nil
}

// replay applies one record of the log. Called only by wal.Open.
func (s *Store) replay(payload []byte) error {
	var rec record
	if err := json.Unmarshal(payload, &rec); err != nil {
		return fmt.Errorf("kv: decode record: %w", err)
	}
	return s.applyLocked(rec)
}

// applyLocked folds rec into memory: on replay, and for a change just
// before its record is appended. Replaying a record again after a state
// that already holds it changes nothing. Called with s.mu held (or by
// replay, before anyone else has the Store).
func (s *Store) applyLocked(rec record) error {
	switch {
	case rec.Version != nil:
		if cur, ok := s.kv[rec.KV]; !ok || cur.Compare(*rec.Version) < 0 {
			s.kv[rec.KV] = *rec.Version
		}
	case rec.Set != "":
		s.addLocked(rec.Set, rec.Add)
	case rec.State != nil:
		if err := rec.State.Check(); err != nil {
			return fmt.Errorf("kv: acceptor state of %q: %w", rec.PX, err)
		}
		s.px[rec.PX] = *rec.State
	case rec.Epoch != 0:
		s.epoch = max(s.epoch, rec.Epoch)
	}
	return nil
}

// snapshot is the log's rewrite: the epoch, then all data.
func (s *Store) snapshot() ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := []record{{Epoch: s.epoch}}
	for k, v := range s.kv {
		recs = append(recs, record{KV: k, Version: &v})
	}
	for k, set := range s.sets {
		recs = append(recs, record{Set: k, Add: sortedElements(set)})
	}
	for k, st := range s.px {
		recs = append(recs, record{PX: k, State: &st})
	}
	out := make([][]byte, len(recs))
	for i, rec := range recs {
		p, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("kv: encode snapshot: %w", err)
		}
		out[i] = p
	}
	return out, nil
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
	if err := s.wal.Err(); err != nil {
		return Entry{}, err
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
	return s.change(e.Kind, e.Key, func() (*record, error) { return s.mergeLocked(e) })
}

// mergeLocked is the record that folds e into the node's entry, or nil
// when e changes nothing. Called with s.mu held; it changes nothing itself.
func (s *Store) mergeLocked(e Entry) (*record, error) {
	switch e.Kind {
	case KindKV:
		if e.Version == nil {
			return nil, fmt.Errorf("kv: merge %q: kv entry without a version", e.Key)
		}
		if cur, ok := s.kv[e.Key]; ok && cur.Compare(*e.Version) >= 0 {
			return nil, nil
		}
		v := *e.Version
		return &record{KV: e.Key, Version: &v}, nil
	case KindSet:
		cur := s.sets[e.Key]
		var add []int64
		for _, x := range e.Elements {
			if _, ok := cur[x]; !ok {
				add = append(add, x)
			}
		}
		if cur != nil && len(add) == 0 {
			return nil, nil
		}
		return &record{Set: e.Key, Add: add}, nil
	case KindPaxos:
		if e.State == nil {
			return nil, fmt.Errorf("kv: merge %q: paxos entry without a state", e.Key)
		}
		cur := s.px[e.Key]
		if !cur.Accepted.Less(e.State.Accepted) {
			return nil, nil
		}
		next, _, changed := cur.OnAccept(e.State.Accepted, e.State.Value)
		if !changed {
			return nil, nil
		}
		return &record{PX: e.Key, State: &next}, nil
	default:
		return nil, fmt.Errorf("kv: merge %q: unknown kind %q", e.Key, e.Kind)
	}
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
	_, _, err := s.change(KindPaxos, key, func() (*record, error) {
		next, changed := step(s.px[key])
		if !changed {
			return nil, nil
		}
		if err := next.Check(); err != nil {
			return nil, fmt.Errorf("kv: acceptor step on %q: %w", key, err)
		}
		next.Value = slices.Clone(next.Value)
		return &record{PX: key, State: &next}, nil
	})
	return err
}

// change is every write to the store. Under key's lock and s.mu, decide
// returns the record to log (nil: no change); the record is applied to
// memory, then appended with s.mu released but key's lock held until it is
// durable, so no reader of key sees it before then. It returns key's entry
// after the change and whether there was one.
func (s *Store) change(kind Kind, key string, decide func() (*record, error)) (Entry, bool, error) {
	l := s.lockKey(kind, key)
	defer l.Unlock()
	s.mu.Lock()
	if err := s.wal.Err(); err != nil {
		s.mu.Unlock()
		return Entry{}, false, err
	}
	rec, err := decide()
	var p []byte
	if err == nil && rec != nil {
		if p, err = json.Marshal(*rec); err != nil {
			err = fmt.Errorf("kv: encode record: %w", err)
		} else {
			err = s.applyLocked(*rec) // before Append: see the invariant on kv
		}
	}
	e := s.entryLocked(kind, key)
	s.mu.Unlock()
	switch {
	case err != nil:
		return Entry{}, false, err
	case rec == nil:
		return e, false, nil
	}
	if err := s.wal.Append(p); err != nil {
		return Entry{}, false, err
	}
	return e, true, nil
}

// Close writes what is appended and closes the log.
func (s *Store) Close() error { return s.wal.Close() }
