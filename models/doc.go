// Package models is the lattice of consistency models: which models imply
// which, which anomalies rule which models out, and, from what a run's
// checkers established, which models a history holds, is ruled out of, or
// was never checked for. It is pure logic over the standard library.
//
// # The lattice
//
// A Model names a consistency model (model.go). An edge a → b (lattice.go)
// says every history that satisfies a satisfies b: a is stronger. Implies
// is the reflexive, transitive closure of the edges; the graph is acyclic.
// The transactional models and the single-object ones are two families
// joined at the top by strict-serializable → linearizable.
//
// The edges, and the names, follow Elle's elle.consistency-model namespace
// (https://github.com/jepsen-io/elle, src/elle/consistency_model.clj) and
// Jepsen's consistency map (https://jepsen.io/consistency), which is
// adapted from Bailis et al. and Viotti and Vukolić. Each edge carries its
// source. The literature behind them:
//
//   - Adya, "Weak consistency: a generalized theory and optimistic
//     implementations for distributed transactions", PhD thesis, MIT, 1999:
//     the PL-* levels and the phenomena G0, G1a–c, G-single, G2-item, G2,
//     G-SI, G-cursor and G-update.
//   - Cerone, Bernardi and Gotsman, "A framework for transactional
//     consistency models with atomic visibility", CONCUR 2015: read atomic,
//     and SER ⊂ SI ⊂ ... ⊂ RA by the INT and EXT axioms.
//   - Viotti and Vukolić, "Consistency in non-transactional distributed
//     storage systems", ACM Computing Surveys 49(1), 2016: the single-object
//     hierarchy (linearizable, sequential, causal, PRAM, session guarantees).
//   - Brzezinski, Sobaniec and Wawrzyniak, "Session guarantees to achieve
//     PRAM consistency of replicated shared objects" (PPAM 2003, LNCS 3019,
//     2004) and "From session causality to causal consistency" (PDP 2004):
//     PRAM is read-your-writes, monotonic writes and monotonic reads
//     together; causal is those and writes-follow-reads.
//   - Bailis, Davidson, Fekete et al., "Highly available transactions:
//     virtues and limitations", VLDB 2013: monotonic atomic view and the
//     map Jepsen's is adapted from.
//   - Daudjee and Salem (ICDE 2004, VLDB 2006): the strong and strong-session
//     variants of serializability and snapshot isolation.
//   - Bouajjani, Enea, Guerraoui and Hamza, "On verifying causal
//     consistency", POPL 2017: the bad patterns that characterize causal
//     memory on read/write histories.
//
// Where the sources disagree the code says so and says which it follows;
// the main case is serializable → snapshot-isolation, which Jepsen's map
// and Elle draw (in Cerone et al.'s framework SER ⊂ SI) while Adya's PL-3
// and PL-SI are defined over different graphs. A few of Elle's models are
// left out (view-serializable, monotonic-view, monotonic-snapshot-read,
// parallel-snapshot-isolation, prefix, Cerone's causal, update-atomic,
// session-serializable, and Elle's own strong(-session) read
// (un)committed); an edge that ran through one of them is drawn directly,
// with its source.
//
// # Anomalies
//
// An Anomaly (anomaly.go) names a phenomenon a checker reports, in Elle's
// spelling where Elle has one (G0, G1a, G-single, G2-item, lost-update,
// ...) and in ours for single-object checkers (nonlinearizable,
// monotonic-reads-violation, and Bouajjani et al.'s causal patterns).
// Anomalies imply anomalies (a G0 cycle is a G1c cycle; every G1c is G1);
// a model prohibits some anomalies directly (prohibit.go). RulesOut(a) is
// every model that cannot hold once a is present: the models prohibiting
// any anomaly a implies, and everything stronger. ProhibitedBy(a) is the
// weakest of those, Elle's "not" boundary. An anomaly this package does not
// know is prohibited by nothing: it never rules a model out.
//
// The prohibitions are Elle's for the models kept here, plus ours for the
// single-object models and one derived from Cerone et al.'s EXT axiom
// (garbage-read, a read of a value nobody wrote, breaks read atomic as
// Elle's future-read does). What the left-out models prohibit is dropped:
// G-monotonic and G-MSR are not named here, and the weakest model a
// G0-process or G1c-process rules out is strong-session snapshot isolation,
// where Elle would say its strong-session read uncommitted or committed.
//
// # Status
//
// Summarize (status.go) turns a run's Evidence — the models a checker
// verified over the whole history, and the anomalies found — into one
// Status per model: holds (verified, or implied by a verified model),
// ruled-out (some found anomaly rules it out), or not-checked. A model that
// would both hold and be ruled out is reported ruled out, saying the
// evidence contradicts itself; holds is never claimed for a model no
// checker verified, directly or through a stronger model.
package models
