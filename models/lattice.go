package models

// Edge is a direct implication: every history satisfying Stronger
// satisfies Weaker. Source says where the implication comes from.
type Edge struct {
	Stronger, Weaker Model
	Source           string
}

// Short names for the sources the edges cite.
const (
	srcElle   = "Elle elle.consistency-model"
	srcJepsen = "Jepsen consistency map (jepsen.io/consistency)"
	srcAdya   = "Adya 1999"
	srcCerone = "Cerone, Bernardi, Gotsman CONCUR 2015"
	srcVV     = "Viotti, Vukolić ACM CSUR 2016"
	srcBrz    = "Brzezinski, Sobaniec, Wawrzyniak 2004"
	srcBailis = "Bailis et al. VLDB 2013"
)

// edges are the direct implications, stronger → weaker. Elle's edges
// between models this package keeps are all here; one Elle path through
// models it leaves out is drawn directly (snapshot-isolation →
// read-atomic). Some edges are redundant (implied by others): they are
// kept because a source draws them.
//
// Not an edge: serializable → sequential. Jepsen's map draws no such arrow
// and Elle has none: serializability imposes neither real-time nor
// per-process order, so a serializable single-object history need not be
// sequentially consistent. Likewise snapshot-isolation does not imply
// repeatable-read (write skew is G2-item, which SI allows).
var edges = []Edge{
	// Transactional, real-time and session variants.
	{StrictSerializable, Serializable, srcAdya + " (PL-SS is PL-3 in real-time order); " + srcJepsen + "; " + srcElle},
	{StrictSerializable, Linearizable, srcJepsen + " (a strictly serializable single-object history is linearizable); " + srcElle + " citing " + srcBailis},
	{StrictSerializable, SnapshotIsolation, srcElle + " citing " + srcAdya + "; redundant via serializable"},
	{StrictSerializable, StrongSnapshotIsolation, srcElle + ", which gives no citation (\"hard to imagine how this could not be the case\")"},
	{StrictSerializable, StrongSessionSerializable, srcElle + " citing Daudjee and Salem ICDE 2004 (marked uncertain there)"},
	{StrongSessionSerializable, Serializable, srcElle + " citing Daudjee and Salem ICDE 2004"},
	{StrongSessionSerializable, StrongSessionSnapshotIsolation, srcElle + " (\"obviously\": session order and serial order give session snapshots)"},
	{StrongSnapshotIsolation, StrongSessionSnapshotIsolation, srcElle + " citing Daudjee and Salem VLDB 2006"},
	{StrongSessionSnapshotIsolation, SnapshotIsolation, srcElle + " citing Daudjee and Salem VLDB 2006 and Cerone, Gotsman PODC 2016"},

	// Serializable and below.
	{Serializable, RepeatableRead, srcAdya + " (PL-3 above PL-2.99); ANSI SQL; " + srcJepsen},
	// Jepsen's map: "strict serializable implies serializable, which in
	// turn implies repeatable read and snapshot isolation"; Elle cites
	// Bailis et al. and Cerone et al., in whose framework SER is SI plus a
	// total visibility order. Adya's PL-SI is not below PL-3: its G-SIa
	// (interference) is over start-dependency edges, which PL-3 does not
	// constrain, and Elle cites Adya only for strict-serializable →
	// snapshot-isolation. We follow Jepsen and Elle.
	{Serializable, SnapshotIsolation, srcJepsen + "; " + srcElle + " citing " + srcBailis + " and " + srcCerone + " (SER ⊂ SI)"},
	{Serializable, UpdateSerializable, srcAdya + " (PL-3 above PL-3U)"},
	{UpdateSerializable, ForwardConsistentView, srcAdya + " (PL-3U above PL-FCV)"},
	{SnapshotIsolation, ForwardConsistentView, srcAdya + " (PL-SI above PL-FCV)"},
	{SnapshotIsolation, MonotonicAtomicView, srcJepsen + " (\"assuming a generalized definition\"); " + srcBailis},
	// Elle: snapshot-isolation → prefix → causal-cerone → read-atomic;
	// those two middle models are left out here.
	{SnapshotIsolation, ReadAtomic, srcCerone + " (SI ⊂ PC ⊂ CC ⊂ RA), via Elle's prefix and causal-cerone"},
	{ForwardConsistentView, ConsistentView, srcAdya + " (PL-FCV above PL-2+)"},
	{ConsistentView, CursorStability, srcAdya + " (PL-2+ above PL-CS)"},
	{RepeatableRead, CursorStability, srcAdya + " (PL-2.99 above PL-CS); " + srcJepsen},
	{RepeatableRead, MonotonicAtomicView, srcBailis + "; " + srcJepsen},
	{ReadAtomic, MonotonicAtomicView, srcCerone + " via Elle (EXT gives atomic visibility; INT monotonicity within a transaction)"},
	{CursorStability, ReadCommitted, srcAdya + " (PL-CS above PL-2); " + srcBailis + "; " + srcJepsen},
	{MonotonicAtomicView, ReadCommitted, srcBailis + "; " + srcJepsen},
	{ReadCommitted, ReadUncommitted, srcAdya + " (PL-2 above PL-1); ANSI SQL; " + srcJepsen},

	// Single-object.
	{Linearizable, Sequential, srcVV + "; " + srcJepsen + "; " + srcElle + " citing " + srcBailis},
	{Sequential, Causal, srcVV + "; " + srcJepsen + "; " + srcElle + " citing " + srcBailis},
	{Causal, WritesFollowReads, srcBrz + " (causal is PRAM plus writes-follow-reads); " + srcVV + "; " + srcJepsen},
	{Causal, PRAM, srcBrz + "; " + srcVV + "; " + srcJepsen},
	{PRAM, MonotonicReads, srcBrz + " (PRAM is read-your-writes, monotonic writes and monotonic reads); " + srcVV + "; " + srcJepsen},
	{PRAM, MonotonicWrites, srcBrz + "; " + srcVV + "; " + srcJepsen},
	{PRAM, ReadYourWrites, srcBrz + "; " + srcVV + "; " + srcJepsen},
}

// Edges lists the direct implications, stronger → weaker, with their
// sources. The slice is the caller's.
func Edges() []Edge {
	return append([]Edge(nil), edges...)
}

// weakerThan maps each known model to the set of models it strictly
// implies (the transitive closure of edges, without m itself).
var weakerThan = func() map[Model]map[Model]bool {
	out := map[Model][]Model{}
	for _, e := range edges {
		out[e.Stronger] = append(out[e.Stronger], e.Weaker)
	}
	closure := make(map[Model]map[Model]bool, len(modelDocs))
	for _, d := range modelDocs {
		seen := map[Model]bool{}
		stack := append([]Model(nil), out[d.m]...)
		for len(stack) > 0 {
			m := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[m] || m == d.m {
				continue
			}
			seen[m] = true
			stack = append(stack, out[m]...)
		}
		closure[d.m] = seen
	}
	return closure
}()

// Implies reports whether every history satisfying a satisfies b: a == b,
// or a path of edges leads from a to b. It is false when either model is
// unknown (not in All), even for a == b.
func Implies(a, b Model) bool {
	if !Known(a) || !Known(b) {
		return false
	}
	return a == b || weakerThan[a][b]
}

// Weaker lists every model m implies, m excluded, in All's order; nil for
// an unknown model.
func Weaker(m Model) []Model {
	var out []Model
	for _, d := range modelDocs {
		if d.m != m && Implies(m, d.m) {
			out = append(out, d.m)
		}
	}
	return out
}

// Stronger lists every model that implies m, m excluded, in All's order;
// nil for an unknown model.
func Stronger(m Model) []Model {
	var out []Model
	for _, d := range modelDocs {
		if d.m != m && Implies(d.m, m) {
			out = append(out, d.m)
		}
	}
	return out
}
