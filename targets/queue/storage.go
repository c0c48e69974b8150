package queue

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/wal"
)

// The node's log (a wal.Log): what a record means, how the log is replayed
// on start, how a change is made durable before it is applied, and what a
// log rewrite writes.

// LogName is the node's log file name inside the data directory.
const LogName = "queue.log"

// DefaultCompactBytes is the log size past which the node rewrites its log
// as a snapshot.
const DefaultCompactBytes = 8 << 20

// record is one log entry (JSON in a wal frame); exactly one of its parts
// is set.
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

// recover replays the log into a new core (slotLog.restore: the newest
// snapshot, then acceptor states and decided values above it), has it
// apply what it can, and makes a new boot epoch durable.
func (s *Server) recover() error {
	snap := Snapshot{}
	s.slots = newSlotLog(s.cfg.ID, s.cfg.Window)
	s.unapplied = map[uint64][][]byte{}
	replay := func(payload []byte) error {
		var r record
		if err := json.Unmarshal(payload, &r); err != nil {
			return fmt.Errorf("queue: decode record: %w", err)
		}
		if r.Epoch != 0 {
			s.epoch = max(s.epoch, r.Epoch)
			return nil
		}
		return s.slots.restore(r, &snap)
	}
	opts := wal.Options{Logger: s.log, CompactBytes: s.cfg.CompactBytes, Snapshot: s.logSnapshot}
	l, err := wal.Open(filepath.Join(s.cfg.DataDir, LogName), opts, replay)
	if err != nil {
		return err
	}
	s.wal = l
	s.mu.Lock()
	s.act(s.slots.start(snap))
	s.mu.Unlock()
	s.epoch++
	p, err := json.Marshal(record{Epoch: s.epoch})
	if err == nil {
		err = s.wal.Append(p)
	}
	if err != nil {
		s.wal.Close()
		return fmt.Errorf("queue: write boot epoch: %w", err)
	}
	return nil
}

// persist makes recs durable, then runs install with s.mu held: a record
// is applied only once it is durable. From before the Append until install
// has run, recs are in s.unapplied, where a log rewrite finds them.
func (s *Server) persist(recs []record, install func()) error {
	payloads := make([][]byte, len(recs))
	for i, r := range recs {
		p, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("queue: encode log record: %w", err)
		}
		payloads[i] = p
	}
	s.mu.Lock()
	s.ticket++
	ticket := s.ticket
	s.unapplied[ticket] = payloads
	s.mu.Unlock()

	err := s.wal.Append(payloads...)

	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.unapplied, ticket)
	if err != nil {
		return err
	}
	install()
	return nil
}

// logSnapshot is the log's rewrite (wal.Options.Snapshot): the epoch, the
// core as records (a snapshot of the applied queue, the decided values and
// acceptor states of the slots above it), then the records not yet applied
// (see the invariant on Server.unapplied). Taken under s.mu, encoded
// outside it.
func (s *Server) logSnapshot() ([][]byte, error) {
	s.mu.Lock()
	recs := append([]record{{Epoch: s.epoch}}, s.slots.records()...)
	snapSlot := s.slots.applied
	var pending [][]byte
	for _, t := range slices.Sorted(maps.Keys(s.unapplied)) {
		pending = append(pending, s.unapplied[t]...)
	}
	s.compactions++
	s.mu.Unlock()

	out := make([][]byte, 0, len(recs)+len(pending))
	for _, r := range recs {
		p, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("queue: encode snapshot: %w", err)
		}
		out = append(out, p)
	}
	s.log.Info("queue: rewriting the log from a snapshot", "snapshot_slot", snapSlot, "unapplied", len(pending))
	return append(out, pending...), nil
}
