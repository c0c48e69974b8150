package kv

import (
	"context"
	"math/rand/v2"
	"time"
)

// Anti-entropy: every interval (jittered) each node exchanges digests with
// every other node for the keys both replicate. The receiver answers with
// its entries that differ or that the sender lacks, and names the keys it
// wants; the sender merges what it got (durably) and pushes the wanted
// entries, now merged, back. Merging is last-write-wins for kv, union for
// sets, and for serial-mode acceptor states a delayed Accept of the higher
// accepted ballot, which Paxos tolerates like any late message.

func (s *Server) antiEntropyLoop() {
	defer s.bg.Done()
	for {
		d := s.cfg.AntiEntropyInterval
		d += time.Duration(rand.Int64N(int64(d)/4 + 1))
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(d):
		}
		for _, peer := range s.ring.Nodes() {
			if peer == s.cfg.ID || s.ctx.Err() != nil {
				continue
			}
			if err := s.syncWith(s.ctx, peer); err != nil {
				s.log.Debug("kv: anti-entropy failed", "peer", peer, "err", err)
			}
		}
	}
}

// sharedEntries returns this node's entries whose key peer also
// replicates.
func (s *Server) sharedEntries(peer string) ([]Entry, error) {
	var out []Entry
	for _, kind := range s.repl.kinds() {
		for _, key := range s.store.Keys(kind) {
			if !s.ring.IsReplica(ringKey(kind, key), peer, s.cfg.Replicas) {
				continue
			}
			e, err := s.store.Get(kind, key)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// syncWith runs one exchange with peer.
func (s *Server) syncWith(ctx context.Context, peer string) error {
	mine, err := s.sharedEntries(peer)
	if err != nil {
		return err
	}
	req := SyncRequest{From: s.cfg.ID, Digests: make([]Digest, 0, len(mine))}
	for _, e := range mine {
		req.Digests = append(req.Digests, Digest{Kind: e.Kind, Key: e.Key, Digest: e.Digest()})
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
	defer cancel()
	rep, err := s.cfg.Transport.Sync(pctx, peer, req)
	if err != nil {
		return err
	}
	var merges []merge
	for _, e := range rep.Entries {
		if !s.ring.IsReplica(ringKey(e.Kind, e.Key), s.cfg.ID, s.cfg.Replicas) {
			continue // not ours to hold
		}
		merged, _, err := s.store.Merge(e)
		if err != nil {
			return err
		}
		merges = append(merges, merge{mine: merged, theirs: e})
	}
	s.repl.reconcile(ctx, merges)
	var push []Entry
	for _, ref := range rep.Want {
		e, err := s.store.Get(ref.Kind, ref.Key)
		if err != nil {
			return err
		}
		if e.Found {
			push = append(push, e)
		}
	}
	if len(push) == 0 {
		return nil
	}
	pctx2, cancel2 := context.WithTimeout(ctx, s.cfg.PeerTimeout)
	defer cancel2()
	return s.cfg.Transport.Put(pctx2, peer, PutRequest{Entries: push})
}

// answerSync is the receiver's side of an exchange.
func (s *Server) answerSync(req SyncRequest) (SyncReply, error) {
	rep := SyncReply{Entries: []Entry{}, Want: []EntryRef{}}
	seen := map[EntryRef]bool{}
	for _, d := range req.Digests {
		ref := EntryRef{Kind: d.Kind, Key: d.Key}
		seen[ref] = true
		if !s.ring.IsReplica(ringKey(d.Kind, d.Key), s.cfg.ID, s.cfg.Replicas) {
			continue
		}
		e, err := s.store.Get(d.Kind, d.Key)
		if err != nil {
			return rep, err
		}
		if e.Digest() == d.Digest {
			continue
		}
		if e.Found {
			rep.Entries = append(rep.Entries, e)
		}
		rep.Want = append(rep.Want, ref)
	}
	// What the sender should hold but did not list.
	mine, err := s.sharedEntries(req.From)
	if err != nil {
		return rep, err
	}
	for _, e := range mine {
		if !seen[EntryRef{Kind: e.Kind, Key: e.Key}] {
			rep.Entries = append(rep.Entries, e)
		}
	}
	return rep, nil
}
