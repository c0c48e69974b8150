package models

// Anomaly names a phenomenon a checker can find in a history. The
// transactional names are Elle's (the keywords of elle.consistency-model
// and its checkers, and Adya's phenomena); the single-object ones are this
// package's, with Bouajjani et al.'s names for the causal patterns.
//
// The -process variants are the cycles found when each process's order of
// transactions is added to the dependency graph, the -realtime ones when
// real-time order is.
type Anomaly string

// Adya's cycle phenomena, with Elle's process and real-time variants.
const (
	// G0 is a cycle of write dependencies (dirty write).
	G0 Anomaly = "G0"
	// G0Process is G0 with process-order edges.
	G0Process Anomaly = "G0-process"
	// G0Realtime is G0 with real-time edges.
	G0Realtime Anomaly = "G0-realtime"
	// G1a is an aborted read: a committed transaction read an aborted
	// transaction's write.
	G1a Anomaly = "G1a"
	// G1b is an intermediate read: a read of a value that was not its
	// writer's final write to the key.
	G1b Anomaly = "G1b"
	// G1c is a cycle of write and read dependencies (circular information
	// flow).
	G1c Anomaly = "G1c"
	// G1cProcess is G1c with process-order edges.
	G1cProcess Anomaly = "G1c-process"
	// G1cRealtime is G1c with real-time edges.
	G1cRealtime Anomaly = "G1c-realtime"
	// G1 is any of G1a, G1b and G1c.
	G1 Anomaly = "G1"
	// G1Process is G1 with process-order edges.
	G1Process Anomaly = "G1-process"
	// G1Realtime is G1 with real-time edges.
	G1Realtime Anomaly = "G1-realtime"
	// GSingle is a dependency cycle with exactly one anti-dependency (rw)
	// edge (read skew).
	GSingle Anomaly = "G-single"
	// GSingleProcess is G-single with process-order edges.
	GSingleProcess Anomaly = "G-single-process"
	// GSingleRealtime is G-single with real-time edges.
	GSingleRealtime Anomaly = "G-single-realtime"
	// GSingleItem is G-single whose anti-dependency is on an item, not a
	// predicate.
	GSingleItem Anomaly = "G-single-item"
	// GSingleItemProcess is G-single-item with process-order edges.
	GSingleItemProcess Anomaly = "G-single-item-process"
	// GSingleItemRealtime is G-single-item with real-time edges.
	GSingleItemRealtime Anomaly = "G-single-item-realtime"
	// GNonadjacent is a dependency cycle with anti-dependency edges, no two
	// of them adjacent.
	GNonadjacent Anomaly = "G-nonadjacent"
	// GNonadjacentProcess is G-nonadjacent with process-order edges.
	GNonadjacentProcess Anomaly = "G-nonadjacent-process"
	// GNonadjacentRealtime is G-nonadjacent with real-time edges.
	GNonadjacentRealtime Anomaly = "G-nonadjacent-realtime"
	// GNonadjacentItem is G-nonadjacent whose anti-dependencies are on
	// items.
	GNonadjacentItem Anomaly = "G-nonadjacent-item"
	// GNonadjacentItemProcess is G-nonadjacent-item with process-order
	// edges.
	GNonadjacentItemProcess Anomaly = "G-nonadjacent-item-process"
	// GNonadjacentItemRealtime is G-nonadjacent-item with real-time edges.
	GNonadjacentItemRealtime Anomaly = "G-nonadjacent-item-realtime"
	// G2Item is a dependency cycle with one or more item anti-dependency
	// edges.
	G2Item Anomaly = "G2-item"
	// G2ItemProcess is G2-item with process-order edges.
	G2ItemProcess Anomaly = "G2-item-process"
	// G2ItemRealtime is G2-item with real-time edges.
	G2ItemRealtime Anomaly = "G2-item-realtime"
	// G2 is a dependency cycle with one or more anti-dependency edges,
	// item or predicate.
	G2 Anomaly = "G2"
	// G2Process is G2 with process-order edges.
	G2Process Anomaly = "G2-process"
	// G2Realtime is G2 with real-time edges.
	G2Realtime Anomaly = "G2-realtime"
	// GSIa is Adya's interference: a write or read dependency between
	// transactions without a start dependency.
	GSIa Anomaly = "G-SIa"
	// GSIb is Adya's missed effects: a start-ordered serialization graph
	// cycle with exactly one anti-dependency edge.
	GSIb Anomaly = "G-SIb"
	// GSI is either of G-SIa and G-SIb.
	GSI Anomaly = "G-SI"
	// GCursor is Adya's G-cursor: a lost update through a cursor's item.
	GCursor Anomaly = "G-cursor"
	// GUpdate is Adya's G-update: a cycle, with update transactions only
	// and one read-only transaction, that has anti-dependency edges.
	GUpdate Anomaly = "G-update"
)

// Elle's other transactional anomalies.
const (
	// Internal is an internal inconsistency: a read within a transaction
	// that disagrees with that transaction's own earlier reads and writes.
	Internal Anomaly = "internal"
	// DirtyUpdate is a write that built on an aborted write.
	DirtyUpdate Anomaly = "dirty-update"
	// LostUpdate is two committed transactions that read the same version
	// of a key and both wrote it.
	LostUpdate Anomaly = "lost-update"
	// WriteSkew is two committed transactions each of which read a version
	// the other overwrote.
	WriteSkew Anomaly = "write-skew"
	// DuplicateElements is a read of a list holding one appended element
	// twice.
	DuplicateElements Anomaly = "duplicate-elements"
	// IncompatibleOrder is two reads of a list neither of which is a
	// prefix of the other: no one order of appends explains both.
	IncompatibleOrder Anomaly = "incompatible-order"
	// FutureRead is a read of a value its own transaction wrote later.
	FutureRead Anomaly = "future-read"
	// CyclicVersions is a key whose inferred version order has a cycle.
	CyclicVersions Anomaly = "cyclic-versions"
	// GarbageRead is a read of a value that no write produced.
	GarbageRead Anomaly = "garbage-read"
)

// Single-object anomalies: a checker of a single-object model found the
// history violates it.
const (
	// Nonlinearizable is a history with no linearization.
	Nonlinearizable Anomaly = "nonlinearizable"
	// Nonsequential is a history with no sequentially consistent order.
	Nonsequential Anomaly = "nonsequential"
	// MonotonicReadsViolation is a process that read a state older than
	// one it had read.
	MonotonicReadsViolation Anomaly = "monotonic-reads-violation"
	// MonotonicWritesViolation is a process's writes that took effect out
	// of the order it issued them.
	MonotonicWritesViolation Anomaly = "monotonic-writes-violation"
	// ReadYourWritesViolation is a process that did not read its own
	// earlier write.
	ReadYourWritesViolation Anomaly = "read-your-writes-violation"
	// WritesFollowReadsViolation is a write ordered before a write its
	// process had already read.
	WritesFollowReadsViolation Anomaly = "writes-follow-reads-violation"
	// PRAMViolation is a history that no single arbitration order and
	// visibility make satisfy monotonic reads, monotonic writes and
	// read-your-writes together, though each alone may hold.
	PRAMViolation Anomaly = "pram-violation"
	// CausalViolation is a history that breaks the four session
	// guarantees together (Brzezinski et al.'s characterization of causal
	// consistency), named when no single bad pattern is pinned.
	CausalViolation Anomaly = "causal-violation"
)

// The bad patterns of Bouajjani, Enea, Guerraoui and Hamza, "On verifying
// causal consistency" (POPL 2017), for read/write histories with distinct
// written values. A history is causal memory (CM, Ahamad et al.) exactly
// when it has none of them.
const (
	// CyclicCO is a cycle in causal order (program order plus
	// read-from).
	CyclicCO Anomaly = "cyclic-co"
	// WriteCOInitRead is a read of the initial value by an operation
	// causally after a write to the key.
	WriteCOInitRead Anomaly = "write-co-init-read"
	// ThinAirRead is a read of a value no write wrote.
	ThinAirRead Anomaly = "thin-air-read"
	// WriteCORead is a read from a write that is causally before another
	// write to the key that is causally before the read.
	WriteCORead Anomaly = "write-co-read"
	// WriteHBInitRead is a read of the initial value by an operation that
	// happens after a write to the key.
	WriteHBInitRead Anomaly = "write-hb-init-read"
	// CyclicHB is a cycle in the happens-before relation of causal memory.
	CyclicHB Anomaly = "cyclic-hb"
)

// anomalyOrder is every known anomaly, for Anomalies.
var anomalyOrder = []Anomaly{
	G0, G0Process, G0Realtime,
	G1a, G1b, G1c, G1cProcess, G1cRealtime, G1, G1Process, G1Realtime,
	GSingle, GSingleProcess, GSingleRealtime,
	GSingleItem, GSingleItemProcess, GSingleItemRealtime,
	GNonadjacent, GNonadjacentProcess, GNonadjacentRealtime,
	GNonadjacentItem, GNonadjacentItemProcess, GNonadjacentItemRealtime,
	G2Item, G2ItemProcess, G2ItemRealtime, G2, G2Process, G2Realtime,
	GSIa, GSIb, GSI, GCursor, GUpdate,
	Internal, DirtyUpdate, LostUpdate, WriteSkew, DuplicateElements,
	IncompatibleOrder, FutureRead, CyclicVersions, GarbageRead,
	Nonlinearizable, Nonsequential,
	CyclicCO, WriteCOInitRead, ThinAirRead, WriteCORead, WriteHBInitRead, CyclicHB,
	MonotonicReadsViolation, MonotonicWritesViolation, ReadYourWritesViolation, WritesFollowReadsViolation,
	PRAMViolation, CausalViolation,
}

// Anomalies lists every anomaly this package knows. The slice is the
// caller's.
func Anomalies() []Anomaly {
	return append([]Anomaly(nil), anomalyOrder...)
}

// anomalyKnown is the set of anomalyOrder.
var anomalyKnown = func() map[Anomaly]bool {
	s := make(map[Anomaly]bool, len(anomalyOrder))
	for _, a := range anomalyOrder {
		s[a] = true
	}
	return s
}()

// KnownAnomaly reports whether a is one of Anomalies.
func KnownAnomaly(a Anomaly) bool { return anomalyKnown[a] }

// anomalyImplication says every history with From also has To.
type anomalyImplication struct {
	From, To Anomaly
	Source   string
}

// anomalyImplications are Elle's implied-anomalies, in our spelling (Elle
// writes :GSIb and :GSI in this graph but :G-SIb and :G-SI where models
// prohibit them, so its two never meet; here they do), plus garbage-read
// → thin-air-read. A cycle with process or real-time edges allowed is
// found whenever one without them is ("trivially", Elle), and processes
// are single-threaded, so a process-order cycle is a real-time one.
//
// Elle's doc string says an internal anomaly is also G1a, but its graph
// has no such edge; we follow the graph, so internal rules out only the
// models that prohibit it directly.
var anomalyImplications = []anomalyImplication{
	{G0, G1c, "Adya: a ww cycle is a ww/wr cycle"},
	{G0, G0Process, "Elle: trivial"},
	{G0Process, G1cProcess, "Elle"},
	{G0Process, G0Realtime, "Elle: processes are single-threaded"},
	{G0Realtime, G1cRealtime, "Elle"},
	{G1a, G1, "Adya: G1 is G1a, G1b or G1c"},
	{G1b, G1, "Adya"},
	{G1c, G1, "Adya"},
	{G1c, G1cProcess, "Elle: trivial"},
	{G1cProcess, G1cRealtime, "Elle: processes are single-threaded"},
	{G1cProcess, G1Process, "Elle"},
	{G1cRealtime, G1Realtime, "Elle"},
	{G1, G1Process, "Elle: trivial"},
	{G1Process, G1Realtime, "Elle"},

	{GSingleItem, GSingle, "Elle: special case"},
	{GSingleItem, GSingleItemProcess, "Elle: trivial"},
	{GSingleItem, GNonadjacentItem, "Elle: special case"},
	{GSingleItemProcess, GSingleProcess, "Elle"},
	{GSingleItemProcess, GSingleItemRealtime, "Elle"},
	{GSingleItemProcess, GNonadjacentItemProcess, "Elle"},
	{GSingleItemRealtime, GSingleRealtime, "Elle"},
	{GSingleItemRealtime, GNonadjacentItemRealtime, "Elle"},
	{GSingle, GNonadjacent, "Elle: one rw edge is trivially nonadjacent"},
	{GSingle, GSIb, "Elle citing Adya: a DSG cycle with one rw edge gives one in the SSG"},
	{GSingle, GSingleProcess, "Elle: trivial"},
	{GSingleProcess, GNonadjacentProcess, "Elle"},
	{GSingleProcess, GSingleRealtime, "Elle"},
	{GSingleRealtime, GNonadjacentRealtime, "Elle"},

	{GNonadjacentItem, GNonadjacent, "Elle"},
	{GNonadjacentItem, G2Item, "Elle: item rw edges"},
	{GNonadjacentItem, GNonadjacentItemProcess, "Elle: trivial"},
	{GNonadjacentItemProcess, GNonadjacentProcess, "Elle"},
	{GNonadjacentItemProcess, G2ItemProcess, "Elle"},
	{GNonadjacentItemProcess, GNonadjacentItemRealtime, "Elle"},
	{GNonadjacentItemRealtime, G2ItemRealtime, "Elle"},
	{GNonadjacentItemRealtime, GNonadjacentRealtime, "Elle"},
	{GNonadjacent, G2, "Elle citing Adya: a cycle with rw edges"},
	{GNonadjacent, GNonadjacentProcess, "Elle: trivial"},
	{GNonadjacentProcess, G2Process, "Elle"},
	{GNonadjacentProcess, GNonadjacentRealtime, "Elle"},
	{GNonadjacentRealtime, G2Realtime, "Elle"},

	{G2Item, G2, "Adya"},
	{G2Item, G2ItemProcess, "Elle: trivial"},
	{G2ItemProcess, G2Process, "Elle"},
	{G2ItemProcess, G2ItemRealtime, "Elle"},
	{G2ItemRealtime, G2Realtime, "Elle"},
	{G2, G2Process, "Elle: trivial"},
	{G2Process, G2Realtime, "Elle: processes are single-threaded"},

	{GSIa, GSI, "Adya: G-SI is G-SIa or G-SIb"},
	{GSIb, GSI, "Adya"},

	{IncompatibleOrder, G1a, "Elle: two committed versions from no one timeline imply a dirty read"},
	{FutureRead, G1c, "Elle: a trivial wr cycle of a transaction with itself"},
	{DirtyUpdate, G1a, "Elle: like a dirty read, for writes"},
	{LostUpdate, WriteSkew, "Elle citing Bailis et al.: a special case of write skew"},
	{LostUpdate, G2Item, "Elle: on one key, so an item cycle"},
	{WriteSkew, G2, "Elle citing Kleppmann's Hermitage"},

	{GarbageRead, ThinAirRead, "the same phenomenon, in Bouajjani et al.'s name for it"},
}

// impliedAnomalies is, for each known anomaly, every anomaly it implies,
// itself included (the reflexive transitive closure of
// anomalyImplications).
var impliedAnomalies = func() map[Anomaly][]Anomaly {
	out := map[Anomaly][]Anomaly{}
	for _, i := range anomalyImplications {
		out[i.From] = append(out[i.From], i.To)
	}
	closure := make(map[Anomaly][]Anomaly, len(anomalyOrder))
	for _, a := range anomalyOrder {
		seen := map[Anomaly]bool{}
		stack := []Anomaly{a}
		var list []Anomaly
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[x] {
				continue
			}
			seen[x] = true
			list = append(list, x)
			stack = append(stack, out[x]...)
		}
		closure[a] = list
	}
	return closure
}()

// Implied lists every anomaly a history with a also has, a first; nil for
// an anomaly this package does not know.
func Implied(a Anomaly) []Anomaly {
	return append([]Anomaly(nil), impliedAnomalies[a]...)
}
