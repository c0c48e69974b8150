// Package session checks the four session guarantees of Terry et al.,
// read-your-writes, monotonic reads, monotonic writes and writes follow
// reads, and the two models they compose into, PRAM and causal
// consistency, on keyed register histories whose written values are
// unique per key: the cas-register shape (checker.CASRegister), f read
// (ok value an int, or null for the initial value), write (invoke value
// an int) and cas (invoke value [old,new]; ok means it swapped).
//
// # Results are per key
//
// Every result of this package is per key: each key's ops form a history
// of their own, with each process's ops on that key as its session, and
// a model "holds" when it holds on every key's history taken apart. No
// guarantee across keys is checked. A store that is causal per key can
// still break causality across keys (a session reads x=1, then writes
// y=2; another reads y=2, then x=nil), and the single arbitration order
// of the framework below, taken over all keys, would also tie keys
// together; neither is looked at.
//
// # Definitions
//
// Sources: D. Terry, A. Demers, K. Petersen, M. Spreitzer, M. Theimer,
// B. Welch, "Session guarantees for weakly consistent replicated data",
// PDIS 1994; P. Viotti and M. Vukolić, "Consistency in non-transactional
// distributed storage systems", ACM CSUR 49(1), 2016, §3 (after
// Burckhardt); J. Brzeziński, C. Sobaniec, D. Wawrzyniak, "From session
// causality to causal consistency", PDP 2004.
//
// A key's history has events: its reads and its writes. Session order so
// orders each process's events by invoke. A history is admissible under a
// model if there exist a visibility relation vis (which writes each read
// sees) and one total arbitration order ar of the writes such that each
// read returns the ar-latest write it sees, or the initial nil when it
// sees none (RVal), and the model's axioms hold (Viotti and Vukolić):
//
//	read-your-writes     so|wr→rd ⊆ vis       a read sees every earlier write of its session
//	monotonic reads      (vis; so|rd→rd) ⊆ vis a read sees what the session's earlier reads saw
//	monotonic writes     so|wr→wr ⊆ ar        a session's writes are arbitrated in session order
//	writes follow reads  (vis; so|rd→wr) ⊆ ar what a read saw is arbitrated before the session's later writes
//
// PRAM is monotonic reads, monotonic writes and read-your-writes together
// (Brzeziński et al.'s theorem, taken here as the definition) and causal
// consistency is all four together, each with one vis and one ar. Two
// variants decide the same on every register history, as the oracle of
// this package's tests checks on each random history and the argument
// below shows:
//
//   - Terry's monotonic writes and writes follow reads also ask for
//     visibility: any server that has the later write has the earlier
//     ones (or the writes the read was based on), which in the framework
//     means a read that sees the later write sees them. Such a clause
//     adds to a read's visible set only writes arbitrated before one it
//     already sees, which changes neither its latest write nor, through
//     monotonic reads and writes follow reads, anything later; so it is
//     implied, across sessions and all.
//   - Viotti and Vukolić's own causal consistency (hb = (so ∪ vis)⁺,
//     hb ⊆ vis, hb ⊆ ar with ar then a total order of every event)
//     decides the same as the four guarantees together: every write
//     hb-before a read turns out to be arbitrated at or before the write
//     it returned.
//
// # Operations
//
// An ok read returns the value it read. An ok write writes its value. An
// ok cas(old, new) is a read of old and then, next in its session, a
// write of new: two events, so writes follow reads puts old before new,
// and read-your-writes makes new visible to the session's later reads.
// "new immediately follows old" in the arbitration is not used: it is
// how a linearizable register's cas behaves, not part of any of these
// definitions, and under them two cas ops can both succeed from the same
// old value (two sessions at two replicas), which adjacency would call a
// violation. A fail did not happen, and is dropped (a refused cas's
// information, that its read saw something other than old, is not
// used). A read that ended info or never completed (open) is dropped: its
// result is unknown. A write or cas that ended info or open may or may
// not have happened: it happened if a read in the history returned its
// value (and then, for a cas, its read of old is in the history too,
// which may show that another one happened); one that no read saw is
// dropped, which is exact: see below. A process's ops after an info are
// handled like any others. Nemesis ops and final reads are ignored.
//
// A value written twice to a key (by any two write or cas invokes,
// whatever their outcome) makes the key unknown, saying so: a read of it
// could be either write's. A read of a value no write of the key
// happened for (never written, or only by a failed op) rules out every
// model on the key: no visibility makes it the latest visible write.
//
// # How it is checked, and why that is exact
//
// Least visibility. Let V(r) be the write r returned (none for nil), with
// the earlier writes of its session under read-your-writes and V of the
// session's earlier reads under monotonic reads. If some (vis, ar) is a
// witness, so is (V, ar): vis contains r's write (RVal) and is closed
// under those two rules, so V ⊆ vis; r's write is still the latest of a
// smaller set, and a nil read still sees nothing; the two rules hold of
// V by construction; monotonic writes does not involve vis; writes
// follow reads only loses premises. So a key is admissible iff some
// total order of its writes has: every read of nil has V(r) empty; every
// other write in V(r) before r's write; under monotonic writes, each
// session's writes in order; under writes follow reads, V(r) before the
// session's later writes. An order exists iff these "before" constraints
// have no cycle; a violation is a cycle, or a direct contradiction (a
// read of nil after the session read a write, under monotonic reads, or
// after it wrote, under read-your-writes; a read of a write the session
// itself issued later, under writes follow reads, which would put that
// write after itself).
//
// The constraints as edges. Monotonic reads: the session's read writes
// are non-decreasing, so each read's write after the previous one's
// suffices (ar is transitive). Read-your-writes: the session's earlier
// writes, less the read's own write when it read one of them, are at most
// two ranges of its writes; a segment tree of auxiliary nodes makes each
// range O(log n) edges. Monotonic writes: consecutive writes. Writes
// follow reads (alone, V(r) is r's write): the session's later writes
// are a suffix, one edge into a chain of auxiliary nodes. A combined
// model's V(r) is the union of its guarantees' V, so PRAM's constraints
// are the union of its three guarantees'; causal's writes follow reads
// over the whole V(r) follows by transitivity from r's write before the
// later writes, V(r) before r's write and monotonic writes. So each
// model's graph is the union of its guarantees' edges.
//
// Indeterminate writes. Leaving out ops that no remaining read returned
// (reads, writes whose value no remaining read returned, cas ops as both)
// keeps a witness a witness: the axioms are universal implications over
// events, and each remaining read's write is still there, still the
// latest it sees. The history with every indeterminate op whose value is
// read, transitively, and no other, is contained in every choice that
// gives each read a write, so it is admissible iff some choice is. (A
// cas that happened but did not swap is a read with an unknown result;
// leaving it out is the same argument.)
//
// Cost: reading the history and sorting keys, then per key O(n log n)
// edges and, for each of the six models, Kahn's algorithm over them; a
// cycle found is reported as a shortest one through its lowest write.
// BenchmarkCheck100k has the figure.
//
// # What the definitions do and do not say
//
// They use no real time: a read may return a write invoked after the
// read returned, and a write's arbitration need not follow real time
// (a last-writer-wins store with skewed clocks is allowed). They are
// weaker alone than their names suggest:
//
//   - Monotonic writes alone never fails on one key when every read has
//     a write: each session's writes are their own chain. It bites in
//     PRAM and causal.
//   - "Read 2, then read 1, where one session wrote 1 and then 2" breaks
//     PRAM (monotonic reads with monotonic writes), not monotonic reads
//     alone, which may arbitrate 2 before 1. Monotonic reads alone fails
//     when the sessions' reads themselves disagree on the order (one
//     reads 1 then 2, another 2 then 1), or a read goes back to nil.
//   - A session may read a value that it writes only later, under every
//     guarantee but writes follow reads (vis need not follow so), and so
//     under PRAM: only writes follow reads, and so causal, rules it out.
//     Likewise "read 1 (another's write), write 2, read 1" is PRAM: no
//     guarantee but writes follow reads orders a write after a read.
//
// # Output
//
// One Checker, named "session", reports every model asked for (all six
// by default): per model a status, "holds", "ruled-out" or "not-checked",
// with the number of violating keys and, when ruled out, the first
// witness (the key, the ops involved and a sentence saying what the
// sessions did and which rule that breaks). Anomalies counts each
// checked model's violating keys as "<model>-violations". The verdict is
// invalid if some checked model is ruled out, valid only if every key
// was checked for every model and some read succeeded, unknown otherwise
// (and when ctx is cancelled). The output is the same for the same
// history.
package session
