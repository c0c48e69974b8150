package sequential

// blocks gives every op that happened its block: a write or cas starts
// the block of its value, a read joins the block of the value it read,
// and block 0 is the initial value's, with no write. In any legal order
// a block's ops come together: its write, then its reads, before the next
// write, since values are unique and a read returns the latest write.
func (c *keyCheck) blocks() {
	c.block = make([]int32, len(c.ops))
	c.blockWriter = []int32{-1}
	for i, o := range c.ops {
		c.block[i] = -1
		if c.happened[i] && o.kind != opRead {
			c.block[i] = int32(len(c.blockWriter))
			c.blockWriter = append(c.blockWriter, int32(i))
		}
	}
	for i, o := range c.ops {
		if c.happened[i] && o.kind == opRead {
			c.block[i] = c.blockOf(o.val)
		}
	}
}

// blockOf is the block of a value read by an op that happened (its
// write happened: see happen).
func (c *keyCheck) blockOf(v value) int32 {
	if !v.set {
		return 0
	}
	return c.block[c.writer[v]]
}

// chains gives the ops their blocks, then links the blocks that cas
// glue together: a cas from a to b found a, so in any legal order the
// block of b comes right after the block of a (the cas is the first op
// of b's block, right after the last of a's). Each block has one write,
// so at most one cas puts a block right after another; two cas that
// found the same value would both have to come right after it (a
// violation, cas-fork), and cas that loop back to their own start cannot
// come in any order (cas-loop). What is left are chains: runs of blocks
// that every legal order holds together, in that order, with nothing
// between them. chain and pos name each block's run (by its first block)
// and its place in it.
func (c *keyCheck) chains() *Witness {
	c.blocks()
	nb := len(c.blockWriter)
	c.next = make([]int32, nb)
	prev := make([]int32, nb)
	for b := range c.next {
		c.next[b], prev[b] = -1, -1
	}
	for i, o := range c.ops {
		if !c.happened[i] || o.kind != opCAS {
			continue
		}
		a, b := c.blockOf(o.old), c.block[i]
		if c.next[a] != -1 {
			return c.casFork(c.blockWriter[c.next[a]], int32(i))
		}
		c.next[a], prev[b] = b, a
	}
	c.chain = make([]int32, nb)
	c.pos = make([]int32, nb)
	for b := range c.chain {
		c.chain[b] = -1
	}
	for b := range nb {
		if prev[b] != -1 {
			continue
		}
		p := int32(0)
		for x := int32(b); x != -1; x = c.next[x] {
			c.chain[x], c.pos[x] = int32(b), p
			p++
		}
	}
	for b := range nb {
		if c.chain[b] == -1 { // no first block: the blocks after it loop back to it
			return c.casLoop(int32(b))
		}
	}
	return nil
}

// run lists the blocks of a chain from block a to block b, a at or
// before b, and the cas that glue them (the writes of all but the first).
func (c *keyCheck) run(a, b int32) (blocks, cas []int32) {
	for x := a; ; x = c.next[x] {
		blocks = append(blocks, x)
		if x != a {
			cas = append(cas, c.blockWriter[x])
		}
		if x == b {
			return blocks, cas
		}
	}
}
