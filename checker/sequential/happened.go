package sequential

// happen decides which ops are in the order: every ok op, and every info
// write or cas whose value an op in the order reads (a read, or the old
// value of a cas), since it is that value's only write. An info op nobody
// reads is left out, which loses no legal order: taking a write nobody
// reads out of a legal order leaves it legal (no read or cas depended on
// it), so if some legal order has it, one without it is legal too. A
// read or cas in the order of a value no op that may have happened wrote
// is a violation, returned as a witness.
func (c *keyCheck) happen() *Witness {
	n := len(c.ops)
	c.happened = make([]bool, n)
	c.neededBy = make([]int32, n)
	for i, o := range c.ops {
		c.happened[i] = !o.info
		c.neededBy[i] = -1
	}
	var queue []int32 // info cas that happened: their old value is read too
	need := func(reader int32, v value) *Witness {
		if !v.set {
			return nil // the initial value
		}
		w, ok := c.writer[v]
		if !ok {
			return c.unwritten(reader, v)
		}
		if !c.happened[w] {
			c.happened[w] = true
			c.neededBy[w] = reader
			if c.ops[w].kind == opCAS {
				queue = append(queue, w)
			}
		}
		return nil
	}
	for i, o := range c.ops {
		if o.info {
			continue
		}
		var w *Witness
		switch o.kind {
		case opRead:
			w = need(int32(i), o.val)
		case opCAS:
			w = need(int32(i), o.old)
		}
		if w != nil {
			return w
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		if w := need(i, c.ops[i].old); w != nil {
			return w
		}
	}
	return nil
}

// forced counts the info ops that happened (so far: 0 before happen).
func (c *keyCheck) forced() int {
	if c.happened == nil {
		return 0
	}
	n := 0
	for i, o := range c.ops {
		if o.info && c.happened[i] {
			n++
		}
	}
	return n
}
