package sequential

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// WitnessKind names the kind of violation a Witness shows.
type WitnessKind string

const (
	// KindUnwritten: an ok read, or a cas that happened, found a value that
	// no write or cas that may have happened wrote.
	KindUnwritten WitnessKind = "unwritten-value"
	// KindCASFork: two cas that happened found the same value; only one
	// can come right after its write.
	KindCASFork WitnessKind = "cas-fork"
	// KindCASLoop: cas that happened each found the value the one before
	// it wrote, round in a loop, so none of them can come first.
	KindCASLoop WitnessKind = "cas-loop"
	// KindReadBeforeWrite: a process read a value before its own write
	// of it, the only one.
	KindReadBeforeWrite WitnessKind = "read-before-write"
	// KindCycle: the blocks (each write with the reads of its value) can
	// be put in no order that every process's program order agrees with;
	// Cycle shows why.
	KindCycle WitnessKind = "cycle"
)

// How a Link orders its blocks.
const (
	// ByProgramOrder: a process did an op of From's block, then one of
	// To's, so From's block comes before To's.
	ByProgramOrder = "program-order"
	// ByCAS: cas glue From's block and To's together, in the order of
	// the cas, with nothing between them (Ops are the cas).
	ByCAS = "cas"
	// ByInitial: From is the initial value, whose block comes first.
	ByInitial = "initial"
)

// Witness is why one key is not sequentially consistent. Op numbers are
// the indexes of the ops' invokes in the history.
type Witness struct {
	Key  string      `json:"key"`
	Kind WitnessKind `json:"kind"`
	// Cycle is, for KindCycle, the blocks in a cycle: each link's From
	// block must come before its To block (or is glued to it), and the
	// last link's To is the first's From.
	Cycle []Link `json:"cycle,omitempty"`
	// Ops are the ops involved, in history order.
	Ops []int64 `json:"ops"`
	// Explanation is the witness in one sentence.
	Explanation string `json:"explanation"`
}

// Link is one step of a Witness's cycle, between two blocks named by
// their value (null: the initial value's block).
type Link struct {
	From string `json:"from"`
	To   string `json:"to"`
	// By is ByProgramOrder, ByCAS or ByInitial.
	By string `json:"by"`
	// Process is the process whose program order orders the blocks.
	Process *history.Process `json:"process,omitempty"`
	// Ops: for program order, the earlier op then the later; for cas,
	// the cas.
	Ops   []int64 `json:"ops,omitempty"`
	Words string  `json:"words"`
}

// step is a pair of ops of one process, x before y in program order.
type step struct{ x, y int32 }

// ref is how an op is cited: (op 12), or (op 12, info) for one whose
// outcome was unknown and that must have happened.
func (c *keyCheck) ref(i int32) string {
	if c.ops[i].info {
		return fmt.Sprintf("(op %d, info)", c.ops[i].index)
	}
	return fmt.Sprintf("(op %d)", c.ops[i].index)
}

// did is what op i did, in the past tense.
func (c *keyCheck) did(i int32) string {
	o := c.ops[i]
	switch o.kind {
	case opRead:
		return "read " + o.val.words()
	case opWrite:
		return "wrote " + o.val.words()
	}
	return fmt.Sprintf("changed %s to %s by cas", o.old.words(), o.val.words())
}

// doing is what op i did, as a gerund.
func (c *keyCheck) doing(i int32) string {
	o := c.ops[i]
	switch o.kind {
	case opRead:
		return "reading " + o.val.words()
	case opWrite:
		return "writing " + o.val.words()
	}
	return fmt.Sprintf("changing %s to %s by cas", o.old.words(), o.val.words())
}

// blockValue is the value of block b.
func (c *keyCheck) blockValue(b int32) value {
	if b == 0 {
		return value{}
	}
	return c.ops[c.blockWriter[b]].val
}

// indexes are the history indexes of ops, in history order.
func (c *keyCheck) indexes(ops ...int32) []int64 {
	out := make([]int64, 0, len(ops))
	for _, i := range ops {
		out = append(out, c.ops[i].index)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unwritten is the witness of op reader (a read, or a cas that happened)
// that found v, which no op that may have happened wrote.
func (c *keyCheck) unwritten(reader int32, v value) *Witness {
	o := c.ops[reader]
	ops := []int32{reader}
	s := fmt.Sprintf("process %s %s %s", o.proc, c.did(reader), c.ref(reader))
	if r := c.neededBy[reader]; r != -1 {
		s += fmt.Sprintf(", as it must have since process %s %s %s", c.ops[r].proc, c.did(r), c.ref(r))
		for ; r != -1; r = c.neededBy[r] {
			ops = append(ops, r)
		}
	}
	s += fmt.Sprintf(", but no write of %s happened or may have happened", v)
	idx := c.indexes(ops...)
	if f, ok := c.kh.failed[v]; ok {
		s += fmt.Sprintf(" (op %d wrote it and failed)", f)
		idx = append(idx, f)
		slices.Sort(idx)
	}
	return &Witness{Kind: KindUnwritten, Ops: idx, Explanation: s}
}

// casFork is the witness of cas i and j that found the same value.
func (c *keyCheck) casFork(i, j int32) *Witness {
	s := fmt.Sprintf("process %s %s %s and process %s %s %s, but a value is there only until the next write, so only one cas can have found it",
		c.ops[i].proc, c.did(i), c.ref(i), c.ops[j].proc, c.did(j), c.ref(j))
	return &Witness{Kind: KindCASFork, Ops: c.indexes(i, j), Explanation: s}
}

// casLoop is the witness of the cas that loop from block b back to it.
func (c *keyCheck) casLoop(b int32) *Witness {
	var cas []int32
	for x := c.next[b]; ; x = c.next[x] {
		cas = append(cas, c.blockWriter[x])
		if x == b {
			break
		}
	}
	var parts []string
	for _, i := range cas {
		parts = append(parts, fmt.Sprintf("process %s %s %s", c.ops[i].proc, c.did(i), c.ref(i)))
	}
	s := joinClauses(parts)
	if len(cas) == 1 {
		s += fmt.Sprintf(", the only write of %s, so it found %s before %s was written", c.ops[cas[0]].val, c.ops[cas[0]].val, c.ops[cas[0]].val)
	} else {
		s += ": each found the value the one before it wrote, round in a loop, so none of them can come first"
	}
	return &Witness{Kind: KindCASLoop, Ops: c.indexes(cas...), Explanation: s}
}

// readBeforeWrite is the witness of a process that read a value (op x)
// and then wrote it (op y), the only write of it.
func (c *keyCheck) readBeforeWrite(x, y int32) *Witness {
	v := c.ops[y].val
	s := fmt.Sprintf("process %s %s %s before %s %s, the only write of %s, so it read %s before %s was written",
		c.ops[x].proc, c.did(x), c.ref(x), c.doing(y), c.ref(y), v, v, v)
	return &Witness{Kind: KindReadBeforeWrite, Ops: c.indexes(x, y), Explanation: s}
}

// cycle is the witness of a cycle of program-order steps between chains:
// each step's y is in the chain of the next step's x, the last step's in
// the first's. With initial, there is one step and its y is in the
// initial value's chain, which comes first.
func (c *keyCheck) cycle(steps []step, initial bool) *Witness {
	var links []Link
	var procs []history.Process
	var ops []int64
	for i, st := range steps {
		bx, by := c.block[st.x], c.block[st.y]
		p := c.ops[st.y].proc
		if !slices.Contains(procs, p) {
			procs = append(procs, p)
		}
		links = append(links, Link{
			From: c.blockValue(bx).String(), To: c.blockValue(by).String(), By: ByProgramOrder, Process: &p,
			Ops:   []int64{c.ops[st.x].index, c.ops[st.y].index},
			Words: fmt.Sprintf("process %s %s %s after %s %s", p, c.did(st.y), c.ref(st.y), c.doing(st.x), c.ref(st.x)),
		})
		if initial {
			if by != 0 {
				links = append(links, c.glue(by, 0))
			}
			links = append(links, Link{From: "null", To: c.blockValue(bx).String(), By: ByInitial,
				Words: "the initial value comes before every write"})
			continue
		}
		if exit := c.block[steps[(i+1)%len(steps)].x]; exit != by {
			links = append(links, c.glue(by, exit))
		}
	}
	words := make([]string, len(links))
	for i, l := range links {
		words[i] = l.Words
		ops = append(ops, l.Ops...)
	}
	who := fmt.Sprintf("all %d processes", len(procs))
	switch len(procs) {
	case 1:
		who = "process " + procs[0].String()
	case 2:
		who = "both processes"
	}
	slices.Sort(ops)
	return &Witness{
		Kind: KindCycle, Cycle: links, Ops: slices.Compact(ops),
		Explanation: joinClauses(words) + ", so no single order of the writes agrees with " + who,
	}
}

// glue is the link between blocks a and b of one chain.
func (c *keyCheck) glue(a, b int32) Link {
	lo, hi := a, b
	if c.pos[lo] > c.pos[hi] {
		lo, hi = hi, lo
	}
	blocks, cas := c.run(lo, hi)
	l := Link{From: c.blockValue(a).String(), To: c.blockValue(b).String(), By: ByCAS, Ops: c.indexes(cas...)}
	if len(cas) == 1 {
		l.Words = fmt.Sprintf("cas op %d puts %s right after %s", c.ops[cas[0]].index,
			c.blockValue(hi).words(), c.blockValue(lo).words())
		return l
	}
	vals := make([]string, len(blocks))
	for i, b := range blocks {
		vals[i] = c.blockValue(b).words()
	}
	nums := make([]string, len(cas))
	for i, o := range cas {
		nums[i] = fmt.Sprint(c.ops[o].index)
	}
	if len(cas) > 4 {
		vals = []string{vals[0], vals[1], "…", vals[len(vals)-1]}
		nums = []string{nums[0], nums[1], "…", nums[len(nums)-1] + fmt.Sprintf(" (%d cas)", len(cas))}
		l.Words = fmt.Sprintf("cas ops %s chain %s together in that order, with nothing between them",
			strings.Join(nums, ", "), strings.Join(vals, ", "))
		return l
	}
	l.Words = fmt.Sprintf("cas ops %s chain %s together in that order, with nothing between them",
		joinAnd(nums), joinAnd(vals))
	return l
}

// joinAnd joins words as a list: a, b and c.
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// joinClauses joins clauses of a sentence: a, b, and c.
func joinClauses(clauses []string) string {
	if len(clauses) < 2 {
		return strings.Join(clauses, "")
	}
	return strings.Join(clauses[:len(clauses)-1], ", ") + ", and " + clauses[len(clauses)-1]
}
