package kv

import (
	"context"
	"slices"
)

// The coordinator of the last-write-wins modes (quorum, all, one,
// one-no-repair). Any node coordinates; the key's replicas store.

type putResult struct {
	from string
	err  error
}

// candidates orders key's replicas for the single-replica modes: this
// node first when it is a replica, then the ring order.
func (s *Server) candidates(reps []string) []string {
	if i := slices.Index(reps, s.cfg.ID); i > 0 {
		out := []string{s.cfg.ID}
		return append(out, append(slices.Clone(reps[:i]), reps[i+1:]...)...)
	}
	return reps
}

// lwwWrite stores e (a stamped version, or elements to add) on the mode's
// W replicas. The *opError says whether it definitely did not happen:
// only when no replica can have stored it.
func (s *Server) lwwWrite(ctx context.Context, e Entry) *opError {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	reps := s.replicas(e.Key)
	w := s.cfg.Mode.W(len(reps))
	if w == 1 && (s.cfg.Mode == ModeOne || s.cfg.Mode == ModeOneNoRepair) {
		// One replica: this node if it is one, else the first that acks.
		maybe := false
		var last error
		for _, id := range s.candidates(reps) {
			pctx, pcancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
			err := s.putOn(pctx, id, e)
			pcancel()
			if err == nil {
				return nil
			}
			last = err
			maybe = maybe || !notSent(err)
			if ctx.Err() != nil {
				break
			}
		}
		if maybe {
			return indeterminate("kv: write %q: no replica of %v acknowledged (last: %v); it may have been stored", e.Key, reps, last)
		}
		return definite(503, "kv: write %q: no replica of %v reachable (last: %v)", e.Key, reps, last)
	}

	ch := make(chan putResult, len(reps))
	// Requests outlive the reply (until the peer timeout) so that slow
	// replicas still store the write.
	pctx, pcancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.PeerTimeout)
	for _, id := range reps {
		go func() { ch <- putResult{from: id, err: s.putOn(pctx, id, e)} }()
	}
	acks, maybe, got := 0, false, 0
	var last error
	defer func() {
		// Let the stragglers finish before releasing their context.
		rest := len(reps) - got
		s.goBackground(func(context.Context) {
			for range rest {
				<-ch
			}
			pcancel()
		})
	}()
	for got < len(reps) {
		select {
		case r := <-ch:
			got++
			if r.err == nil {
				acks++
				if acks >= w {
					return nil
				}
				continue
			}
			last = r.err
			maybe = maybe || !notSent(r.err)
		case <-ctx.Done():
			return indeterminate("kv: write %q: %d of %d acks (need %d) before the deadline; it may have been stored", e.Key, acks, len(reps), w)
		}
	}
	if acks > 0 || maybe {
		return indeterminate("kv: write %q: %d of %d replicas acknowledged (need %d; last error: %v); it may have been stored", e.Key, acks, len(reps), w, last)
	}
	return definite(503, "kv: write %q: no replica of %v reachable (last: %v)", e.Key, reps, last)
}

type getResult struct {
	from string
	e    Entry
	err  error
}

// lwwRead reads the mode's R replicas and returns their merge (the latest
// version, or the union of the sets). When the mode repairs, the other
// replicas' answers are awaited in the background and every replica that
// answered with less than the merge of all is brought up to it.
func (s *Server) lwwRead(ctx context.Context, ref EntryRef) (Entry, *opError) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	reps := s.replicas(ref.Key)
	r := s.cfg.Mode.R(len(reps))
	if !s.cfg.Mode.Repairs() {
		var last error
		for _, id := range s.candidates(reps) {
			pctx, pcancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
			e, err := s.getOn(pctx, id, ref)
			pcancel()
			if err == nil {
				return e, nil
			}
			last = err
			if ctx.Err() != nil {
				break
			}
		}
		return Entry{}, definite(503, "kv: read %q: no replica of %v answered (last: %v)", ref.Key, reps, last)
	}

	ch := make(chan getResult, len(reps))
	pctx, pcancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.PeerTimeout)
	for _, id := range reps {
		go func() {
			e, err := s.getOn(pctx, id, ref)
			ch <- getResult{from: id, e: e, err: err}
		}()
	}
	var ok []getResult
	got := 0
	var last error
	defer func() {
		have, rest := slices.Clone(ok), len(reps)-got
		s.goBackground(func(bctx context.Context) {
			defer pcancel()
			for range rest {
				if res := <-ch; res.err == nil {
					have = append(have, res)
				}
			}
			s.readRepair(bctx, ref, have)
		})
	}()
	for got < len(reps) {
		select {
		case res := <-ch:
			got++
			if res.err != nil {
				last = res.err
				continue
			}
			ok = append(ok, res)
			if len(ok) >= r {
				merged := Entry{Kind: ref.Kind, Key: ref.Key}
				for _, x := range ok {
					merged = mergeLWW(merged, x.e)
				}
				return merged, nil
			}
		case <-ctx.Done():
			return Entry{}, definite(503, "kv: read %q: %d of %d replicas answered (need %d) before the deadline", ref.Key, len(ok), len(reps), r)
		}
	}
	return Entry{}, definite(503, "kv: read %q: %d of %d replicas answered (need %d; last error: %v)", ref.Key, len(ok), len(reps), r, last)
}

// readRepair pushes the merge of the answers to every replica that
// answered with something less.
func (s *Server) readRepair(ctx context.Context, ref EntryRef, answers []getResult) {
	if len(answers) < 2 {
		return
	}
	win := Entry{Kind: ref.Kind, Key: ref.Key}
	for _, a := range answers {
		win = mergeLWW(win, a.e)
	}
	if !win.Found {
		return
	}
	for _, a := range answers {
		if a.e.Digest() == win.Digest() {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
		if err := s.putOn(pctx, a.from, win); err != nil {
			s.log.Debug("kv: read repair failed", "key", ref.Key, "replica", a.from, "err", err)
		}
		cancel()
	}
}
