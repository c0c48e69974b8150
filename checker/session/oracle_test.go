package session

import (
	"encoding/json"
	"math/bits"
	"sort"

	"github.com/faultline/faultline/history"
)

// The oracle decides the models by brute force from their definitions, on
// tiny histories, sharing nothing with the checker but history.Pairs:
// for each key it enumerates every choice of which indeterminate writes
// and cas ops happened, every total arbitration order of the writes, and
// every visibility relation, and asks whether one of them satisfies the
// model's axioms literally. The axioms are Viotti and Vukolić's (2016,
// §3), over a history whose events are the reads and writes of one key
// (an ok cas is a read of old and then, next in its session, a write of
// new), session order so (per process, by invoke order), visibility vis
// and a total arbitration ar of the writes:
//
//	RVal             a read returns the ar-latest write it sees (vis),
//	                 the initial nil when it sees none
//	ReadYourWrites   a so b, a a write, b a read        ⇒ a vis b
//	MonotonicReads   a vis b, b so c, b and c reads     ⇒ a vis c
//	MonotonicWrites  a so b, both writes                ⇒ a ar b
//	WritesFollowRead a vis b, b so c, b a read, c write ⇒ a ar c
//
// PRAM is the first three together and causal all four, with one vis and
// one ar. Two variants check definitional claims of the package doc:
// terry adds Terry et al.'s visibility clauses (monotonic writes: a read
// that sees a write sees the earlier writes of its session; writes follow
// reads: a read that sees write c sees everything a read before c in c's
// session saw), which the package doc shows change nothing; hb decides
// Viotti and Vukolić's own causal consistency (hb = (so ∪ vis)⁺ with
// hb ⊆ vis and hb ⊆ ar, ar then a total order of every event), which the
// package doc shows to be the four guarantees together.
//
// vis is enumerated as its write-to-read pairs. Other pairs change no
// read's value, and leaving them out satisfies every instance of the
// axioms above they could appear in (their premises need a vis pair into
// a read from a write), so nothing admissible is missed; for hb, vis is
// then taken to be hb itself on the other pairs.

// oModel is what the oracle checks: which axioms, and the variants.
type oModel struct {
	ryw, mr, mw, wfr bool
	terry            bool // add Terry's visibility clauses to mw and wfr
	hb               bool // Viotti and Vukolić's causal consistency
}

func oracleModel(m Model) oModel {
	g := m.guarantees()
	return oModel{ryw: g&gRYW != 0, mr: g&gMR != 0, mw: g&gMW != 0, wfr: g&gWFR != 0}
}

// oStatus is the oracle's answer for one key.
type oStatus string

const (
	oHolds    oStatus = "holds"
	oViolated oStatus = "violated"
	oUnknown  oStatus = "unknown"
)

// oOp is one op of a key as the oracle reads it.
type oOp struct {
	proc     history.Process
	f        string
	indet    bool   // info or open: may or may not have happened
	old, val *int64 // read: val is the value returned; write: val; cas: old, val new
}

// oracleKeys reads h into per-key op lists in invoke order, the way the
// definitions say: a fail did not happen; a read whose outcome is unknown
// returned nothing anyone knows; a write or cas whose outcome is unknown
// may have happened. A key where a value is written twice (by any
// invoke) is unknown.
func oracleKeys(h history.History) (map[string][]oOp, map[string]bool) {
	ops := map[string][]oOp{}
	dup := map[string]bool{}
	written := map[string]map[int64]bool{}
	num := func(raw json.RawMessage) *int64 {
		var v *int64
		if len(raw) == 0 { // an omitted value is null
			return nil
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			panic(err)
		}
		return v
	}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() {
			continue
		}
		o := oOp{proc: inv.Process, f: inv.F}
		switch inv.F {
		case "write":
			o.val = num(inv.Value)
		case "cas":
			var pair [2]json.RawMessage
			if err := json.Unmarshal(inv.Value, &pair); err != nil {
				panic(err)
			}
			o.old, o.val = num(pair[0]), num(pair[1])
		}
		if _, ok := ops[inv.Key]; !ok {
			ops[inv.Key] = nil
			written[inv.Key] = map[int64]bool{}
		}
		if inv.F != "read" {
			if written[inv.Key][*o.val] {
				dup[inv.Key] = true
			}
			written[inv.Key][*o.val] = true
		}
		switch p.Type() {
		case history.Fail:
			continue
		case history.OK:
			if inv.F == "read" {
				o.val = num(p.Completion.Value)
			}
		default:
			if inv.F == "read" {
				continue
			}
			o.indet = true
		}
		ops[inv.Key] = append(ops[inv.Key], o)
	}
	return ops, dup
}

// oracle decides model m on every key of h.
func oracle(h history.History, m oModel) map[string]oStatus {
	ops, dup := oracleKeys(h)
	out := map[string]oStatus{}
	for k, os := range ops {
		switch {
		case dup[k]:
			out[k] = oUnknown
		case oracleKey(os, m):
			out[k] = oHolds
		default:
			out[k] = oViolated
		}
	}
	return out
}

// oEvent is a read or write event of the key.
type oEvent struct {
	sess, pos int
	read      bool
	val       *int64 // read: returned (nil: the initial value); write: written
	w         int    // read: the write returned (-1 initial); write: its index
}

// oracleKey reports whether some choice of the indeterminate ops that
// happened makes the key's history admissible under m.
func oracleKey(ops []oOp, m oModel) bool {
	var indet []int
	for i, o := range ops {
		if o.indet {
			indet = append(indet, i)
		}
	}
	for mask := 0; mask < 1<<len(indet); mask++ {
		happened := map[int]bool{}
		for j, i := range indet {
			happened[i] = mask&(1<<j) != 0
		}
		var evs []oEvent
		sessOf := map[history.Process]int{}
		next := map[int]int{}
		for i, o := range ops {
			if o.indet && !happened[i] {
				continue
			}
			s, ok := sessOf[o.proc]
			if !ok {
				s = len(sessOf)
				sessOf[o.proc] = s
			}
			switch o.f {
			case "read":
				evs = append(evs, oEvent{sess: s, pos: next[s], read: true, val: o.val})
			case "write":
				evs = append(evs, oEvent{sess: s, pos: next[s], val: o.val})
			case "cas":
				evs = append(evs, oEvent{sess: s, pos: next[s], read: true, val: o.old})
				next[s]++
				evs = append(evs, oEvent{sess: s, pos: next[s], val: o.val})
			}
			next[s]++
		}
		if admissible(evs, m) {
			return true
		}
	}
	return false
}

// oSearch is the search for a witness execution of one set of events.
type oSearch struct {
	m      oModel
	ws, rs []oEvent // writes (w = index into ws) and reads, reads by session then so
	evs    []oEvent // every event: the writes, then the reads
	rank   []int    // ar position of each write
	vis    []uint   // each read's visible writes, as a bit set over ws
}

// admissible reports whether some vis and ar satisfy m on evs.
func admissible(evs []oEvent, m oModel) bool {
	s := &oSearch{m: m}
	byVal := map[int64]int{}
	for _, e := range evs {
		if !e.read {
			e.w = len(s.ws)
			byVal[*e.val] = e.w
			s.ws = append(s.ws, e)
		}
	}
	for _, e := range evs {
		if !e.read {
			continue
		}
		e.w = -1
		if e.val != nil {
			w, ok := byVal[*e.val]
			if !ok {
				return false // RVal: no write of the value, so no vis makes it the latest seen
			}
			e.w = w
		}
		s.rs = append(s.rs, e)
	}
	sort.SliceStable(s.rs, func(i, j int) bool {
		if s.rs[i].sess != s.rs[j].sess {
			return s.rs[i].sess < s.rs[j].sess
		}
		return s.rs[i].pos < s.rs[j].pos
	})
	s.evs = append(append([]oEvent{}, s.ws...), s.rs...)
	s.vis = make([]uint, len(s.rs))
	s.rank = make([]int, len(s.ws))
	perm := make([]int, len(s.ws))
	for i := range perm {
		perm[i] = i
	}
	found := false
	permute(perm, 0, func(p []int) bool {
		for pos, w := range p {
			s.rank[w] = pos
		}
		if s.arOK() && s.assign(0) {
			found = true
			return true
		}
		return false
	})
	return found
}

// permute calls f with every permutation of p[k:] (p[:k] fixed) until f
// returns true.
func permute(p []int, k int, f func([]int) bool) bool {
	if k == len(p) {
		return f(p)
	}
	for i := k; i < len(p); i++ {
		p[k], p[i] = p[i], p[k]
		if permute(p, k+1, f) {
			p[k], p[i] = p[i], p[k]
			return true
		}
		p[k], p[i] = p[i], p[k]
	}
	return false
}

// arOK checks the axioms on ar alone: monotonic writes.
func (s *oSearch) arOK() bool {
	if !s.m.mw && !s.m.hb {
		return true
	}
	for _, a := range s.ws {
		for _, b := range s.ws {
			if a.sess == b.sess && a.pos < b.pos && s.rank[a.w] > s.rank[b.w] {
				return false
			}
		}
	}
	return true
}

// assign chooses the visible set of read i and of every read after it.
func (s *oSearch) assign(i int) bool {
	if i == len(s.rs) {
		return !s.m.hb || s.hbOK()
	}
	r := s.rs[i]
	if r.w < 0 {
		s.vis[i] = 0 // RVal: it saw no write
		return s.readOK(i) && s.assign(i+1)
	}
	// RVal: it sees its write and nothing arbitrated after it.
	var below uint
	for w := range s.ws {
		if w != r.w && s.rank[w] < s.rank[r.w] {
			below |= 1 << w
		}
	}
	for sub := below; ; sub = (sub - 1) & below {
		s.vis[i] = sub | 1<<r.w
		if s.readOK(i) && s.assign(i+1) {
			return true
		}
		if sub == 0 {
			return false
		}
	}
}

// readOK checks every axiom instance whose reads are all assigned and
// which involves read i.
func (s *oSearch) readOK(i int) bool {
	r, v := s.rs[i], s.vis[i]
	ryw, mr, mw, wfr := s.m.ryw || s.m.hb, s.m.mr || s.m.hb, s.m.mw || s.m.hb, s.m.wfr || s.m.hb
	for _, w := range s.ws {
		if ryw && w.sess == r.sess && w.pos < r.pos && v&(1<<w.w) == 0 {
			return false
		}
		if wfr && w.sess == r.sess && w.pos > r.pos {
			for a := range s.ws {
				if v&(1<<a) != 0 && s.rank[a] >= s.rank[w.w] {
					return false
				}
			}
		}
		if s.m.terry && mw && v&(1<<w.w) != 0 {
			for _, e := range s.ws {
				if e.sess == w.sess && e.pos < w.pos && v&(1<<e.w) == 0 {
					return false
				}
			}
		}
	}
	for j := range i {
		q := s.rs[j]
		if mr && q.sess == r.sess && q.pos < r.pos && s.vis[j]&^v != 0 {
			return false
		}
		if s.m.terry && wfr && (!s.sees(i, j) || !s.sees(j, i)) {
			return false
		}
	}
	return true
}

// sees checks Terry's clause of writes follow reads for reads a and b: if
// b sees a write that a's session issued after a, b sees what a saw.
func (s *oSearch) sees(a, b int) bool {
	ra := s.rs[a]
	for _, w := range s.ws {
		if w.sess == ra.sess && w.pos > ra.pos && s.vis[b]&(1<<w.w) != 0 && s.vis[a]&^s.vis[b] != 0 {
			return false
		}
	}
	return true
}

// hbOK checks Viotti and Vukolić's causal consistency on the assigned
// vis: hb = (so ∪ vis)⁺ is acyclic, every write hb-before a read is
// visible to it, and some total order of every event contains both hb
// and ar (ar being the writes' order): hb ∪ ar is acyclic.
func (s *oSearch) hbOK() bool {
	n := len(s.evs)
	nw := len(s.ws)
	hb := make([]uint, n) // hb[a] has bit b when a hb b
	for a, ea := range s.evs {
		for b, eb := range s.evs {
			if ea.sess == eb.sess && ea.pos < eb.pos {
				hb[a] |= 1 << b
			}
		}
	}
	for i := range s.rs {
		for w := range nw {
			if s.vis[i]&(1<<w) != 0 {
				hb[w] |= 1 << (nw + i)
			}
		}
	}
	closure(hb)
	for a := range n {
		if hb[a]&(1<<a) != 0 {
			return false
		}
	}
	for i := range s.rs {
		for w := range nw {
			if hb[w]&(1<<(nw+i)) != 0 && s.vis[i]&(1<<w) == 0 {
				return false
			}
		}
	}
	both := append([]uint{}, hb...)
	for a := range nw {
		for b := range nw {
			if s.rank[a] < s.rank[b] {
				both[a] |= 1 << b
			}
		}
	}
	closure(both)
	for a := range n {
		if both[a]&(1<<a) != 0 {
			return false
		}
	}
	return true
}

// closure makes the relation r (r[a] has bit b when a r b) transitive.
func closure(r []uint) {
	for changed := true; changed; {
		changed = false
		for a := range r {
			next := r[a]
			for m := r[a]; m != 0; m &= m - 1 {
				next |= r[bits.TrailingZeros(m)]
			}
			if next != r[a] {
				r[a], changed = next, true
			}
		}
	}
}
