package sequential

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/checker"
)

// keyCheck is the state of one key's check, built phase by phase: which
// ops happened (happened.go), their blocks and the cas chains that glue
// blocks together (blocks.go), and the order of the blocks that program
// order asks for (order.go). Ops are numbered by their place in
// keyHistory.ops; blocks by the place of their write, the initial value's
// block being 0.
type keyCheck struct {
	kh  *keyHistory
	ops []op

	writer   map[value]int32 // the one write or cas of each value
	happened []bool          // per op: it is in the order (ok, or info and read)
	neededBy []int32         // per info op that happened: the op that read its value

	block       []int32 // per op that happened: its block (-1 otherwise)
	blockWriter []int32 // per block: its write or cas (-1 for block 0)
	next        []int32 // per block: the block a cas puts right after it (-1 if none)
	chain       []int32 // per block: the first block of its cas chain
	pos         []int32 // per block: its place in its cas chain

	edges []edge // program order between chains
}

// keyResult is one key's verdict, with why it is not valid.
type keyResult struct {
	verdict checker.Verdict
	reason  string   // unknown: why the key was not checked
	witness *Witness // invalid: why it is not sequentially consistent
	// Info writes and cas whose value some op that happened read, so
	// that they happened; and those nobody read, dropped.
	forced, dropped int
}

// checkKey decides whether one key's ops are sequentially consistent.
func checkKey(ctx context.Context, kh *keyHistory) keyResult {
	if kh.bad != "" {
		return keyResult{verdict: checker.Unknown, reason: kh.bad}
	}
	c := &keyCheck{kh: kh, ops: kh.ops}
	if reason := c.writers(); reason != "" {
		return keyResult{verdict: checker.Unknown, reason: reason}
	}
	var r keyResult
	for _, phase := range []func() *Witness{c.happen, c.chains, c.order, c.acyclic} {
		if err := ctx.Err(); err != nil {
			r.verdict, r.reason = checker.Unknown, "stopped: "+err.Error()
			break
		}
		if w := phase(); w != nil {
			w.Key = kh.key
			r.verdict, r.witness = checker.Invalid, w
			break
		}
	}
	if r.verdict == "" {
		r.verdict = checker.Valid
	}
	r.forced = c.forced()
	r.dropped = c.infos() - r.forced
	return r
}

// writers maps every value to its write or cas. Two that may both have
// happened with the same value make the key unknown: the check needs
// unique values.
func (c *keyCheck) writers() (reason string) {
	c.writer = make(map[value]int32, len(c.ops)/2+1)
	for i, o := range c.ops {
		if o.kind == opRead {
			continue
		}
		if j, dup := c.writer[o.val]; dup {
			return fmt.Sprintf("value %s is written twice (ops %d and %d): the check needs each value written at most once",
				o.val, c.ops[j].index, o.index)
		}
		c.writer[o.val] = int32(i)
	}
	return ""
}

// infos counts the info ops (all writes or cas).
func (c *keyCheck) infos() int {
	n := 0
	for _, o := range c.ops {
		if o.info {
			n++
		}
	}
	return n
}
