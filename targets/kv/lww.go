package kv

import (
	"context"
	"fmt"
	"slices"

	"github.com/faultline/faultline/targets/nodeserver"
)

// lww is the replication of the last-write-wins modes (quorum, all, one,
// one-no-repair, session): any node coordinates; the key's replicas store
// stamped versions (KindKV) and grow-only sets (KindSet), and the mode
// sets how many must acknowledge a write (W) and answer a read (R).
type lww struct {
	s    *Server
	mode Mode
}

func (l *lww) read(ctx context.Context, ref EntryRef) (Entry, *nodeserver.Error) {
	return l.get(ctx, ref, Version{})
}

func (l *lww) write(ctx context.Context, ref EntryRef, v int64) *nodeserver.Error {
	if ref.Kind == KindSet {
		return l.put(ctx, Entry{Kind: KindSet, Key: ref.Key, Found: true, Elements: []int64{v}})
	}
	_, err := l.writeSession(ctx, ref.Key, v, Version{})
	return err
}

// readSession is a session-mode read of the kv value at key: only a
// replica whose version is at least min (compared by TS, then Node; a
// zero min is met by every answer) may answer it. When no replica that
// answers has it, the read fails definitely (503).
func (l *lww) readSession(ctx context.Context, key string, min Version) (Entry, *nodeserver.Error) {
	return l.get(ctx, EntryRef{Kind: KindKV, Key: key}, min)
}

// writeSession is a write of v to the kv value at key, stamped above both
// this node's clock-based stamp and min.TS (the session's highest
// version of the key), so that a clock stepped backwards cannot order it
// before what the session already wrote or read. It returns the version
// it stamped.
func (l *lww) writeSession(ctx context.Context, key string, v int64, min Version) (Version, *nodeserver.Error) {
	ver := Version{Value: &v, TS: l.s.stamp(min.TS), Node: l.s.cfg.ID}
	return ver, l.put(ctx, Entry{Kind: KindKV, Key: key, Found: true, Version: &ver})
}

// meets reports whether a replica's answer e is at least min: min is
// zero, or e holds a kv version no older than min's stamp (TS, then
// Node; min's nil value sorts first among equal stamps).
func meets(e Entry, min Version) bool {
	if min.TS == 0 && min.Node == "" {
		return true
	}
	return e.Found && e.Version != nil && e.Version.Compare(Version{TS: min.TS, Node: min.Node}) >= 0
}

func (l *lww) local(ref EntryRef) (Entry, *nodeserver.Error) {
	e, err := l.s.store.Get(ref.Kind, ref.Key)
	if err != nil {
		return Entry{}, localError(ref, err)
	}
	return e, nil
}

func (l *lww) kinds() []Kind { return []Kind{KindKV, KindSet} }

// reconcile has nothing to do: a last-write-wins merge always leaves the
// two replicas equal.
func (l *lww) reconcile(context.Context, []merge) {}

// candidates orders key's replicas for the single-replica modes: this
// node first when it is a replica, then the ring order.
func (l *lww) candidates(reps []string) []string {
	if i := slices.Index(reps, l.s.cfg.ID); i > 0 {
		out := []string{l.s.cfg.ID}
		return append(out, append(slices.Clone(reps[:i]), reps[i+1:]...)...)
	}
	return reps
}

// put stores e (a stamped version, or elements to add) on the mode's W
// replicas. The *nodeserver.Error says whether it definitely did not
// happen: only when no replica can have stored it.
func (l *lww) put(ctx context.Context, e Entry) *nodeserver.Error {
	s := l.s
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	reps := s.replicas(e.Key)
	w := l.mode.W(len(reps))
	if w == 1 && l.mode.Single() {
		// One replica: this node if it is one, else the first that acks.
		maybe := false
		var last error
		for _, id := range l.candidates(reps) {
			pctx, pcancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
			err := s.putOn(pctx, id, e)
			pcancel()
			if err == nil {
				return nil
			}
			last = err
			maybe = maybe || !nodeserver.NotSent(err)
			if ctx.Err() != nil {
				break
			}
		}
		if maybe {
			return nodeserver.Indeterminate("kv: write %q: no replica of %v acknowledged (last: %v); it may have been stored", e.Key, reps, last)
		}
		return nodeserver.Definite(503, "kv: write %q: no replica of %v reachable (last: %v)", e.Key, reps, last)
	}

	// Requests outlive the reply (until the peer timeout) so that slow
	// replicas still store the write.
	f := nodeserver.Send(context.WithoutCancel(ctx), reps, s.cfg.PeerTimeout, func(pctx context.Context, id string) (struct{}, error) {
		return struct{}{}, s.putOn(pctx, id, e)
	})
	// Let the stragglers finish before the server closes its store.
	defer s.goBackground(func(context.Context) { f.Rest() })
	acks, maybe := 0, false
	var last error
	for f.Pending() > 0 {
		r, ok := f.Next(ctx)
		if !ok {
			return nodeserver.Indeterminate("kv: write %q: %d of %d acks (need %d) before the deadline; it may have been stored", e.Key, acks, len(reps), w)
		}
		if r.Err == nil {
			acks++
			if acks >= w {
				return nil
			}
			continue
		}
		last = r.Err
		maybe = maybe || !nodeserver.NotSent(r.Err)
	}
	if acks > 0 || maybe {
		return nodeserver.Indeterminate("kv: write %q: %d of %d replicas acknowledged (need %d; last error: %v); it may have been stored", e.Key, acks, len(reps), w, last)
	}
	return nodeserver.Definite(503, "kv: write %q: no replica of %v reachable (last: %v)", e.Key, reps, last)
}

// get reads the mode's R replicas and returns their merge (the latest
// version, or the union of the sets). When the mode repairs, the other
// replicas' answers are awaited in the background and every replica that
// answered with less than the merge of all is brought up to it. Only
// answers that meet min count towards R (session mode; a zero min is met
// by every answer); when too few do, the read fails definitely.
func (l *lww) get(ctx context.Context, ref EntryRef, min Version) (Entry, *nodeserver.Error) {
	s := l.s
	ctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	reps := s.replicas(ref.Key)
	r := l.mode.R(len(reps))
	if !l.mode.Repairs() {
		var last error
		for _, id := range l.candidates(reps) {
			pctx, pcancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
			e, err := s.getOn(pctx, id, ref)
			pcancel()
			if err == nil && meets(e, min) {
				return e, nil
			}
			if err == nil {
				err = fmt.Errorf("replica %s holds an older version than %d.%s", id, min.TS, min.Node)
			}
			last = err
			if ctx.Err() != nil {
				break
			}
		}
		return Entry{}, nodeserver.Definite(503, "kv: read %q: no replica of %v answered (last: %v)", ref.Key, reps, last)
	}

	f := nodeserver.Send(context.WithoutCancel(ctx), reps, s.cfg.PeerTimeout, func(pctx context.Context, id string) (Entry, error) {
		return s.getOn(pctx, id, ref)
	})
	var ok []getResult    // every answer, for read repair
	var fresh []getResult // the answers that meet min
	var last error
	defer func() {
		have := slices.Clone(ok)
		s.goBackground(func(bctx context.Context) {
			for _, res := range f.Rest() {
				if res.Err == nil {
					have = append(have, res)
				}
			}
			l.readRepair(bctx, ref, have)
		})
	}()
	for f.Pending() > 0 {
		res, got := f.Next(ctx)
		if !got {
			return Entry{}, nodeserver.Definite(503, "kv: read %q: %d of %d replicas answered%s (need %d) before the deadline", ref.Key, len(fresh), len(reps), atLeast(min), r)
		}
		if res.Err != nil {
			last = res.Err
			continue
		}
		ok = append(ok, res)
		if !meets(res.Value, min) {
			last = fmt.Errorf("replica %s holds an older version than %d.%s", res.From, min.TS, min.Node)
			continue
		}
		fresh = append(fresh, res)
		if len(fresh) >= r {
			merged := Entry{Kind: ref.Kind, Key: ref.Key}
			for _, x := range fresh {
				merged = mergeLWW(merged, x.Value)
			}
			return merged, nil
		}
	}
	return Entry{}, nodeserver.Definite(503, "kv: read %q: %d of %d replicas answered%s (need %d; last error: %v)", ref.Key, len(fresh), len(reps), atLeast(min), r, last)
}

// atLeast describes min in an error message ("" when it is zero).
func atLeast(min Version) string {
	if min.TS == 0 && min.Node == "" {
		return ""
	}
	return fmt.Sprintf(" with a version of at least %d.%s", min.TS, min.Node)
}

// getResult is one replica's answer to a read.
type getResult = nodeserver.Reply[Entry]

// readRepair pushes the merge of the answers to every replica that
// answered with something less.
func (l *lww) readRepair(ctx context.Context, ref EntryRef, answers []getResult) {
	s := l.s
	if len(answers) < 2 {
		return
	}
	win := Entry{Kind: ref.Kind, Key: ref.Key}
	for _, a := range answers {
		win = mergeLWW(win, a.Value)
	}
	if !win.Found {
		return
	}
	for _, a := range answers {
		if a.Value.Digest() == win.Digest() {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.PeerTimeout)
		if err := s.putOn(pctx, a.From, win); err != nil {
			s.log.Debug("kv: read repair failed", "key", ref.Key, "replica", a.From, "err", err)
		}
		cancel()
	}
}
