package session

// The constraints each guarantee puts on the arbitration order of one
// key's writes (the package doc proves them exact). Nodes 0..len(writes)-1
// are the writes; the nodes after them are auxiliary: they stand for a
// range of one session's writes, so that "every write in this range is
// before w" costs O(log n) edges instead of one edge per write.

// edge is "from is before to" in the arbitration order. why indexes the
// constraint's reason, or is noWhy for an edge inside an auxiliary range.
type edge struct {
	from, to, why int32
}

const noWhy = -1

// reason is why a constraint holds: the guarantee and the two events of
// one session it comes from, the earlier and the later (ops, into
// keyHist.ops). An earlier or later of unset stands for the write at that
// end of the constraint: the one a path through an auxiliary range
// started or ended at.
type reason struct {
	g              guarantee
	earlier, later int32
}

const unset = -1

// conflict is a violation that needs no cycle: the guarantee and its two
// events (ops; earlier is unset for a read of a value never written).
type conflict struct {
	g              guarantee
	kind           conflictKind
	earlier, later int32
}

// conflictKind is what kind of direct contradiction a conflict is.
type conflictKind uint8

const (
	// unsourcedRead: a read returned a value no write happened for.
	unsourcedRead conflictKind = iota
	// initialAfterRead: a read of the initial nil after a read of a write.
	initialAfterRead
	// initialAfterWrite: a read of the initial nil after the session wrote.
	initialAfterWrite
	// readOwnFuture: a read of a write its own session issued later.
	readOwnFuture
)

// part is one guarantee's constraints.
type part struct {
	edges     []edge
	conflicts []conflict
}

// constraints are every guarantee's constraints on one key.
type constraints struct {
	nodes   int32 // writes, then auxiliary nodes
	reasons []reason
	parts   [nGuarantees]part
}

// constrain builds the four guarantees' constraints of k, which has no
// unsourced read.
func constrain(k *keyHist) *constraints {
	c := &constraints{nodes: int32(len(k.writes))}
	for si := range k.sessions {
		s := &k.sessions[si]
		c.monotonicReads(s)
		c.monotonicWrites(s)
		c.readYourWrites(k, int32(si), s)
		c.writesFollowReads(k, int32(si), s)
	}
	return c
}

// add adds guarantee g's edge from -> to, for reason r (none when r.g is
// zero: an edge inside an auxiliary range).
func (c *constraints) add(g guarantee, from, to int32, r reason) {
	why := int32(noWhy)
	if r.g != 0 {
		why = int32(len(c.reasons))
		c.reasons = append(c.reasons, r)
	}
	p := &c.parts[g.index()]
	p.edges = append(p.edges, edge{from, to, why})
}

// conflict records a direct contradiction of guarantee g.
func (c *constraints) conflict(g guarantee, kind conflictKind, earlier, later int32) {
	p := &c.parts[g.index()]
	p.conflicts = append(p.conflicts, conflict{g, kind, earlier, later})
}

// aux allocates n auxiliary nodes and returns the first.
func (c *constraints) aux(n int) int32 {
	first := c.nodes
	c.nodes += int32(n)
	return first
}

// monotonicReads: each read's write is at or after the write of the
// session's previous read (of a write), and a read of the initial nil
// after a read of a write is a conflict. Consecutive reads suffice: the
// arbitration order is transitive.
func (c *constraints) monotonicReads(s *sess) {
	last, lastOp := int32(initial), int32(unset)
	for _, e := range s.events {
		if !e.read {
			continue
		}
		switch {
		case e.w == initial && last != initial:
			c.conflict(gMR, initialAfterRead, lastOp, e.op)
		case e.w != initial && last != initial && e.w != last:
			c.add(gMR, last, e.w, reason{gMR, lastOp, e.op})
		}
		if e.w != initial {
			last, lastOp = e.w, e.op
		}
	}
}

// monotonicWrites: a session's writes are in session order.
func (c *constraints) monotonicWrites(s *sess) {
	var prev event
	have := false
	for _, e := range s.events {
		if e.read {
			continue
		}
		if have {
			c.add(gMW, prev.w, e.w, reason{gMW, prev.op, e.op})
		}
		prev, have = e, true
	}
}

// readYourWrites: every write of the session before a read is before the
// read's write (unless it is that write), and a read of the initial nil
// after a write of the session is a conflict. The session's earlier
// writes are a range of its writes, less the read's own when it read one
// of them: an up-tree over the session's writes (upTree) turns each
// range into O(log n) edges.
func (c *constraints) readYourWrites(k *keyHist, si int32, s *sess) {
	t := c.upTree(s.writes)
	n := int32(0) // the session's writes so far
	for _, e := range s.events {
		if !e.read {
			n++
			continue
		}
		if n == 0 {
			continue
		}
		if e.w == initial {
			c.conflict(gRYW, initialAfterWrite, k.writes[s.writes[n-1]].op, e.op)
			continue
		}
		r := reason{gRYW, unset, e.op}
		if w := k.writes[e.w]; w.sess == si && w.pos < n {
			t.query(c, 0, w.pos, e.w, r)
			t.query(c, w.pos+1, n, e.w, r)
		} else {
			t.query(c, 0, n, e.w, r)
		}
	}
}

// writesFollowReads: a read's write is before every later write of the
// session; reading a write the session itself issued later is a
// conflict. The later writes are a suffix of the session's writes: a
// chain of auxiliary nodes, one per suffix, each before the next and
// before its first write, makes it one edge.
func (c *constraints) writesFollowReads(k *keyHist, si int32, s *sess) {
	if len(s.writes) == 0 {
		return
	}
	suffix := c.aux(len(s.writes))
	for i, w := range s.writes {
		c.add(gWFR, suffix+int32(i), w, reason{})
		if i+1 < len(s.writes) {
			c.add(gWFR, suffix+int32(i), suffix+int32(i)+1, reason{})
		}
	}
	n := int32(0)
	for _, e := range s.events {
		if !e.read {
			n++
			continue
		}
		if e.w == initial || n == int32(len(s.writes)) {
			continue
		}
		if w := k.writes[e.w]; w.sess == si && w.pos >= n {
			c.conflict(gWFR, readOwnFuture, e.op, w.op)
		}
		c.add(gWFR, e.w, suffix+n, reason{gWFR, e.op, unset})
	}
}
