package models

// prohibition says a model directly prohibits some anomalies. As in Elle's
// direct-proscribed-anomalies, a model lists only what it adds over the
// models it implies (plus a few restatements the sources make); RulesOut
// combines these with the lattice and the anomaly implications.
type prohibition struct {
	Model     Model
	Anomalies []Anomaly
	Source    string
}

// prohibitions are Elle's direct-proscribed-anomalies for the models this
// package keeps, and ours for the single-object models. Elle's
// "*-cycle-exists" and predicate-read-miss markers are left out (no
// checker of ours reports them), as are the prohibitions of the models
// this package leaves out (see doc.go). Monotonic-atomic-view and PRAM
// prohibit nothing directly: an anomaly rules them out through a weaker
// model they imply.
var prohibitions = []prohibition{
	{ReadUncommitted, []Anomaly{G0}, "Adya PL-1"},
	{ReadUncommitted, []Anomaly{DuplicateElements, CyclicVersions}, "Elle: no Adya history can have them (version orders are total)"},
	{ReadCommitted, []Anomaly{G1}, "Adya PL-2"},
	{CursorStability, []Anomaly{G1, GCursor}, "Adya PL-CS"},
	{CursorStability, []Anomaly{LostUpdate}, "Elle citing Adya and Bailis et al."},
	{ConsistentView, []Anomaly{G1, GSingle}, "Adya PL-2+"},
	{ForwardConsistentView, []Anomaly{G1, GSIb}, "Adya PL-FCV"},
	{UpdateSerializable, []Anomaly{G1, GUpdate}, "Adya PL-3U"},
	{RepeatableRead, []Anomaly{G1, G2Item}, "Adya PL-2.99"},
	{RepeatableRead, []Anomaly{LostUpdate}, "Elle citing Bailis et al."},
	{Serializable, []Anomaly{G1, G2}, "Adya PL-3"},
	{Serializable, []Anomaly{Internal}, "Elle citing Cerone et al. (INT)"},
	{SnapshotIsolation, []Anomaly{G1, GSI}, "Adya PL-SI"},
	{SnapshotIsolation, []Anomaly{Internal}, "Elle citing Cerone et al. (INT)"},
	// Elle: generalized SI forbids any cycle whose rw edges are all
	// nonadjacent, not only G-single (Cerone and Gotsman PODC 2016; Elle
	// says Gotsman confirmed it).
	{SnapshotIsolation, []Anomaly{GNonadjacent}, "Elle citing Cerone and Gotsman 2016"},
	{ReadAtomic, []Anomaly{Internal, G1a}, "Elle citing Cerone et al. (INT; EXT)"},
	{ReadAtomic, []Anomaly{FutureRead}, "Elle citing Cerone et al.: a future read breaks EXT"},
	// Not in Elle: a read of a value no write produced cannot return the
	// last visible write's value or the initial one, so it breaks EXT, as
	// Elle argues for future-read.
	{ReadAtomic, []Anomaly{GarbageRead}, "Cerone et al. (EXT), by Elle's future-read argument"},
	{StrictSerializable, []Anomaly{G1, G1cRealtime, G2Realtime}, "Adya PL-SS, via Elle"},
	// Elle: no literature source; its generalization of SI's G1 and
	// G-nonadjacent to process and real-time order.
	{StrongSessionSnapshotIsolation, []Anomaly{Internal, G1Process, GNonadjacentProcess}, "Elle (its own generalization, no literature source)"},
	{StrongSnapshotIsolation, []Anomaly{Internal, G1Realtime, GNonadjacentRealtime}, "Elle (its own generalization, no literature source)"},
	{StrongSessionSerializable, []Anomaly{G1Process, G2Process}, "Elle citing Daudjee and Salem ICDE 2004"},

	{Linearizable, []Anomaly{Nonlinearizable}, "definition (Herlihy and Wing 1990)"},
	{Sequential, []Anomaly{Nonsequential}, "definition (Lamport 1979)"},
	{Causal, []Anomaly{CyclicCO, WriteCOInitRead, ThinAirRead, WriteCORead, WriteHBInitRead, CyclicHB}, "Bouajjani, Enea, Guerraoui, Hamza POPL 2017 (causal memory's bad patterns)"},
	{Causal, []Anomaly{CausalViolation}, "Brzezinski, Sobaniec, Wawrzyniak 2004 (causal = the four session guarantees together)"},
	{PRAM, []Anomaly{PRAMViolation}, "Brzezinski, Sobaniec, Wawrzyniak 2004 (PRAM = monotonic reads, monotonic writes and read-your-writes together)"},
	{WritesFollowReads, []Anomaly{WritesFollowReadsViolation}, "definition (Terry et al. 1994; Brzezinski et al. 2004)"},
	{MonotonicReads, []Anomaly{MonotonicReadsViolation}, "definition (Terry et al. 1994; Brzezinski et al. 2004)"},
	{MonotonicWrites, []Anomaly{MonotonicWritesViolation}, "definition (Terry et al. 1994; Brzezinski et al. 2004)"},
	{ReadYourWrites, []Anomaly{ReadYourWritesViolation}, "definition (Terry et al. 1994; Brzezinski et al. 2004)"},
}

// prohibitors maps each anomaly to the models that prohibit it directly.
var prohibitors = func() map[Anomaly][]Model {
	out := map[Anomaly][]Model{}
	for _, p := range prohibitions {
		for _, a := range p.Anomalies {
			out[a] = append(out[a], p.Model)
		}
	}
	return out
}()

// RulesOut lists, in All's order, every model that cannot hold in a
// history with a: each model that directly prohibits a or an anomaly a
// implies, and every model stronger than one of those. The list is upward
// closed: a model stronger than one in it is in it. An anomaly this
// package does not know rules nothing out (nil): only a named, sourced
// prohibition does.
func RulesOut(a Anomaly) []Model {
	out := map[Model]bool{}
	for _, x := range impliedAnomalies[a] {
		for _, m := range prohibitors[x] {
			out[m] = true
			for _, s := range Stronger(m) {
				out[s] = true
			}
		}
	}
	var list []Model
	for _, d := range modelDocs {
		if out[d.m] {
			list = append(list, d.m)
		}
	}
	return list
}

// ProhibitedBy lists, in All's order, the weakest models that prohibit a:
// the models of RulesOut(a) that imply no other model of it (Elle's "not"
// boundary; every model of RulesOut(a) implies one of them). An anomaly
// this package does not know is prohibited by nothing (nil).
func ProhibitedBy(a Anomaly) []Model {
	out := RulesOut(a)
	var list []Model
	for _, m := range out {
		weakest := true
		for _, o := range out {
			if o != m && Implies(m, o) {
				weakest = false
				break
			}
		}
		if weakest {
			list = append(list, m)
		}
	}
	return list
}
