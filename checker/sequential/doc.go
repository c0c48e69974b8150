// Package sequential checks keyed register histories for sequential
// consistency, key by key, in time linear in the history, when every
// value is written at most once per key.
//
// # Definition
//
// Lamport (How to Make a Multiprocessor Computer That Correctly Executes
// Multiprocess Programs, IEEE Transactions on Computers, 1979): the
// result of an execution is the same as if the operations of all the
// processes were executed in some sequential order, and the operations
// of each process appear in that order in the order its program issued
// them. For one key of the cas-register model (checker.CASRegister) that
// is: some total order of the key's ops, agreeing with every process's
// program order (the order of its invokes), in which every read returns
// the value of the latest write before it (or the initial value, JSON
// null, if there is none), and every ok cas(old,new) finds old and
// writes new. Unlike linearizability, real time plays no part: a read
// that began after a write was acknowledged may still come before it, if
// no process's own order says otherwise.
//
// # Per key, and why that is all that is claimed
//
// Sequential consistency is not a local property (Herlihy and Wing,
// 1990): every key can be sequentially consistent on its own while the
// history as a whole is not, because one total order must serve all keys
// at once. (Process 0 writes x then reads y as null, process 1 writes y
// then reads x as null: each key alone is fine, both together are not.)
// Linearizability, which is local, does not have this gap. This package
// checks each key's ops, with each process's program order restricted
// to that key, and reports what it checked as such: "per-key sequential
// consistency", never sequential consistency of the whole history.
//
// # The history
//
// The shape of checker.CASRegister: ops with f read, write or cas on a
// Key; a read's ok value is an int or null (the initial value); a write's
// invoke value an int; a cas's invoke value [old,new] (old may be null),
// ok meaning it swapped. How uncertain outcomes are read:
//
//   - a fail did not happen and is dropped. That includes a cas that
//     found another value than old: the histories record it as a fail, so
//     what it saw is not known and it constrains nothing;
//   - an info (or never completed) read is dropped: its result is unknown;
//   - an info (or never completed) write or cas may or may not have
//     happened. If it did, it comes after the ok ops its process did
//     before it, but the process did not wait for it, so its later ops
//     need not come after it: program order is each process's chain of
//     ok ops, with its info ops hanging off it. That is how
//     checker.Linearizable reads an info op too (it may take effect at
//     any time after its invoke), so a linearizable history is always
//     sequentially consistent here; and the workloads give a process a
//     fresh id after an info, so in their histories an info op is its
//     process's last anyway. An info cas that happened and found another
//     value changed nothing, exactly as if it had not happened, so only
//     "it swapped" and "it did not happen" need be told apart;
//   - nemesis ops are ignored, and so are final reads (f final-read, see
//     checker.FinalRead), as checker.Linearizable ignores them.
//
// Values written (by writes and cas that may have happened, ok or info)
// must be unique per key; a key where one repeats is unknown, with the
// two ops named: the algorithm below rests on it.
//
// # Algorithm, and why it is exact
//
// Which info ops happened. An ok read of v (or an ok cas from v) needs v's
// write, the only one, to have happened, and the old value of an info cas
// that happened is needed in turn: that closure decides every info op
// that must have happened. The rest are left out, which is never wrong: a
// write nobody reads can be taken out of any legal order and leave it
// legal (no read depends on it, and no cas came right after it, since a
// cas right after it would have found its value), so taking out the
// unread ones, last first, shows a legal order exists without them if it
// exists at all. A read or cas in the order whose value nobody that may
// have happened wrote is a violation (kind unwritten-value).
//
// Blocks. Every write or cas in the order starts a block, the block of
// its value, with the reads of that value; the initial value's block has
// no write and comes first. In a legal order a read of v comes after v's
// write (the only one) and before the next write, since the next write
// would be the latest one otherwise; so a legal order is a sequence of
// blocks, each its write then its reads, and any order of blocks that way
// makes every read right. An ok cas(a,b) finds a, so it comes right after
// the last op of a's block: b's block comes right after a's. A block is
// written once, so at most one cas puts a block right after another; two
// cas that both found a is a violation (cas-fork), and cas that loop
// back round (1→2, 2→1, or 5→5) are another (cas-loop). What remains are
// chains: runs of blocks glued together by cas, first to last, that every
// legal order keeps together in that order.
//
// Program order. For x then y of one process, x the ok op last before y
// (ops that did not happen constrain nothing, and info ops nothing after
// them), a legal order must put x's block at or before y's; in one
// block, x may not be a read with y the block's write (a process that
// reads v and later writes v itself: read-before-write), while a write
// then its reads, or reads in any order, are fine (a block's reads are ordered among themselves by
// any topological order of the processes' orders, which are trees). The
// rest of program order follows by transitivity. In one chain the chain
// decides: x's block must be at or before y's. Between two chains, it is
// an edge of a graph whose nodes are the chains, and nothing may come
// before the initial value's chain.
//
// The claim: the key is sequentially consistent iff none of those
// violations occurs and the graph of chains is acyclic. Only if: each
// violation contradicts a fact every legal order has (above), and an
// order of the blocks gives an order of the chains that every edge agrees
// with. If: take a topological order of the chains, the initial value's
// first (it has no edges in), lay each chain out as its run of blocks and
// each block as its write then its reads; every read returns the latest
// write, every cas finds the block before it, and every pair of
// consecutive ops of a process is in order (different chains by the edge,
// one chain by its order, one block by the rule above). Chains make cas
// adjacency exact rather than a heuristic: each block has at most one
// block glued before it and one after, so the glue forms disjoint runs
// and contracting each run to a node loses nothing; no search is needed
// and the check is never unknown on a key whose values are unique.
//
// The test oracle (oracle_test.go) checks this against every interleaving
// of every choice of the info ops, on thousands of random small histories.
//
// Cost: O(n) per key with n ops, besides hashing values, and a witness:
// for the first key that is not sequentially consistent, in the order of
// the keys' first ops, the violation with the ops involved and a sentence
// ("process 2 read 1 (op 12) after reading 2 (op 9), and process 4 read
// 2 (op 15) after reading 1 (op 13), so no single order of the writes
// agrees with both processes"); a cycle is the shortest one through the
// first chain on a cycle.
//
// # What is not checked
//
// Real time (that is linearizability: checker.Linearizable); sequential
// consistency across keys (see above); what a failed cas saw; histories
// whose values repeat (unknown); models other than the cas register.
package sequential
