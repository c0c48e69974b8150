package models

import (
	"fmt"
	"strings"
)

// Model names a consistency model. The names are Elle's friendly names
// (elle.consistency-model) where Elle has the model; Parse also accepts
// Elle's and Adya's aliases ("PL-3", "conflict-serializable", ...).
type Model string

// The transactional models, strongest first (the order of All).
const (
	// StrictSerializable is serializability whose order respects real
	// time (Adya's PL-SS).
	StrictSerializable Model = "strict-serializable"
	// StrongSessionSerializable is serializability whose order respects
	// each session's (process's) order (Daudjee and Salem 2004).
	StrongSessionSerializable Model = "strong-session-serializable"
	// StrongSnapshotIsolation is snapshot isolation whose snapshots respect
	// real time (Daudjee and Salem 2006).
	StrongSnapshotIsolation Model = "strong-snapshot-isolation"
	// Serializable is (conflict) serializability, Adya's PL-3.
	Serializable Model = "serializable"
	// StrongSessionSnapshotIsolation is snapshot isolation whose snapshots
	// respect each session's order (Daudjee and Salem 2006).
	StrongSessionSnapshotIsolation Model = "strong-session-snapshot-isolation"
	// UpdateSerializable is Adya's PL-3U: update transactions serialize,
	// read-only ones see consistent states.
	UpdateSerializable Model = "update-serializable"
	// RepeatableRead is Adya's PL-2.99: serializable for item reads, not
	// for predicate reads.
	RepeatableRead Model = "repeatable-read"
	// SnapshotIsolation is (generalized) snapshot isolation, Adya's PL-SI.
	SnapshotIsolation Model = "snapshot-isolation"
	// ForwardConsistentView is Adya's PL-FCV.
	ForwardConsistentView Model = "forward-consistent-view"
	// ConsistentView is Adya's PL-2+.
	ConsistentView Model = "consistent-view"
	// CursorStability is Adya's PL-CS.
	CursorStability Model = "cursor-stability"
	// ReadAtomic is Cerone, Bernardi and Gotsman's RA: all of a
	// transaction's writes are visible or none are.
	ReadAtomic Model = "read-atomic"
	// MonotonicAtomicView is Bailis et al.'s MAV.
	MonotonicAtomicView Model = "monotonic-atomic-view"
	// ReadCommitted is Adya's PL-2.
	ReadCommitted Model = "read-committed"
	// ReadUncommitted is Adya's PL-1.
	ReadUncommitted Model = "read-uncommitted"
)

// The single-object models, strongest first (the order of All).
const (
	// Linearizable is Herlihy and Wing's linearizability.
	Linearizable Model = "linearizable"
	// Sequential is Lamport's sequential consistency.
	Sequential Model = "sequential"
	// Causal is causal consistency (Ahamad et al.'s causal memory, the
	// model of Jepsen's map).
	Causal Model = "causal"
	// PRAM is pipelined RAM (Lipton and Sandberg). Elle spells it in
	// capitals; Parse takes any case.
	PRAM Model = "PRAM"
	// WritesFollowReads is the session guarantee of Terry et al.
	WritesFollowReads Model = "writes-follow-reads"
	// MonotonicReads is the session guarantee of Terry et al.
	MonotonicReads Model = "monotonic-reads"
	// MonotonicWrites is the session guarantee of Terry et al.
	MonotonicWrites Model = "monotonic-writes"
	// ReadYourWrites is the session guarantee of Terry et al.
	ReadYourWrites Model = "read-your-writes"
)

// modelDocs is every model in All's order with its one-line description.
// The order is a topological order of the lattice (every edge goes from an
// earlier model to a later one; lattice_test.go checks it): the
// transactional models first, then the single-object ones.
var modelDocs = []struct {
	m   Model
	doc string
}{
	{StrictSerializable, "transactions take effect in one total order that respects real time (Adya PL-SS)"},
	{StrongSessionSerializable, "serializable, and the order respects each process's order of transactions"},
	{StrongSnapshotIsolation, "snapshot isolation whose snapshots include every transaction committed before the start in real time"},
	{Serializable, "transactions take effect in one total order, not necessarily real time's (Adya PL-3)"},
	{StrongSessionSnapshotIsolation, "snapshot isolation whose snapshots include the process's own earlier transactions"},
	{UpdateSerializable, "update transactions are serializable and read-only ones see consistent states (Adya PL-3U)"},
	{RepeatableRead, "serializable except for predicate reads: no G1 and no item anti-dependency cycles (Adya PL-2.99)"},
	{SnapshotIsolation, "every transaction reads a consistent snapshot and concurrent writers of a key cannot both commit (Adya PL-SI)"},
	{ForwardConsistentView, "consistent view with no missed effects; a transaction may see writes committed after it began (Adya PL-FCV)"},
	{ConsistentView, "no G1 and no cycle with a single anti-dependency edge (Adya PL-2+)"},
	{CursorStability, "read committed plus no lost update on a cursor's item (Adya PL-CS)"},
	{ReadAtomic, "a transaction sees all of another's writes or none of them (Cerone et al. RA)"},
	{MonotonicAtomicView, "once a transaction sees one of another's writes, its later reads see all of them (Bailis et al. MAV)"},
	{ReadCommitted, "no aborted, intermediate or circular reads: no G1 (Adya PL-2)"},
	{ReadUncommitted, "no cycle of write dependencies: no G0 (Adya PL-1)"},
	{Linearizable, "every operation takes effect at one instant between its call and its return (Herlihy and Wing)"},
	{Sequential, "one total order of operations that respects each process's order (Lamport)"},
	{Causal, "every process sees causally related writes in their causal order (Ahamad et al.)"},
	{PRAM, "every process sees each other process's writes in the order they were issued (Lipton and Sandberg)"},
	{WritesFollowReads, "a write is ordered after the writes its process had read (Terry et al.)"},
	{MonotonicReads, "a process never reads a state older than one it has read (Terry et al.)"},
	{MonotonicWrites, "a process's writes take effect in the order it issued them (Terry et al.)"},
	{ReadYourWrites, "a process reads its own earlier writes (Terry et al.)"},
}

// modelAliases are the other names Elle (canonical-model-names) and Adya
// give to the models above, lower-cased.
var modelAliases = map[string]Model{
	"pl-ss":                 StrictSerializable,
	"strong-serializable":   StrictSerializable, // Elle: "strong and strict serializable are the same thing"
	"pl-3":                  Serializable,
	"conflict-serializable": Serializable, // Elle: serializable means conflict serializable (Bernstein et al.)
	"pl-3u":                 UpdateSerializable,
	"pl-2.99":               RepeatableRead,
	"pl-si":                 SnapshotIsolation,
	"pl-fcv":                ForwardConsistentView,
	"pl-2+":                 ConsistentView,
	"pl-cs":                 CursorStability,
	"pl-2":                  ReadCommitted,
	"pl-1":                  ReadUncommitted,
}

// All lists every model, strongest first: a topological order of the
// lattice, the transactional models before the single-object ones. The
// slice is the caller's.
func All() []Model {
	out := make([]Model, len(modelDocs))
	for i, d := range modelDocs {
		out[i] = d.m
	}
	return out
}

// index is each model's position in All.
var index = func() map[Model]int {
	idx := make(map[Model]int, len(modelDocs))
	for i, d := range modelDocs {
		idx[d.m] = i
	}
	return idx
}()

// Known reports whether m is one of All's models.
func Known(m Model) bool {
	_, ok := index[m]
	return ok
}

// Doc is a one-line description of m, "" for an unknown model.
func Doc(m Model) string {
	if i, ok := index[m]; ok {
		return modelDocs[i].doc
	}
	return ""
}

// Parse returns the model a name stands for: one of All's names in any
// case, or an alias of Elle's or Adya's ("PL-SI", "conflict-serializable").
// An unknown name is an error that names it and lists the known models.
func Parse(name string) (Model, error) {
	s := strings.TrimSpace(name)
	if s == "" {
		return "", fmt.Errorf("models: empty consistency model name; known models are %s", knownList())
	}
	for _, d := range modelDocs {
		if strings.EqualFold(string(d.m), s) {
			return d.m, nil
		}
	}
	if m, ok := modelAliases[strings.ToLower(s)]; ok {
		return m, nil
	}
	return "", fmt.Errorf("models: unknown consistency model %q; known models are %s", name, knownList())
}

// knownList is All's names, comma-separated.
func knownList() string {
	names := make([]string, len(modelDocs))
	for i, d := range modelDocs {
		names[i] = string(d.m)
	}
	return strings.Join(names, ", ")
}
