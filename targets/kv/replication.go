package kv

import (
	"context"

	"github.com/faultline/faultline/targets/nodeserver"
)

// replication is how a node carries out client operations and what its
// store holds for them. New picks one from the mode, once: serial (a
// CASPaxos round per operation among the key's replicas, serial.go) or
// lww (last-write-wins on the mode's W and R replicas, lww.go). The
// handlers and anti-entropy speak only to this interface.
type replication interface {
	// read is a client read of ref: a kv value (KindKV, in Version) or a
	// set (KindSet, in Elements).
	read(ctx context.Context, ref EntryRef) (Entry, *nodeserver.Error)
	// write is a client write of v to a kv value (KindKV) or an add of
	// v to a set (KindSet).
	write(ctx context.Context, ref EntryRef, v int64) *nodeserver.Error
	// local is this node's own copy of ref, uncoordinated, in the shape
	// read returns (for the serial mode, the acceptor's accepted value,
	// with its ballot as the version stamp).
	local(ref EntryRef) (Entry, *nodeserver.Error)
	// kinds are the kinds of store entries the mode keeps.
	kinds() []Kind
	// reconcile follows an anti-entropy exchange: merges are the entries
	// merged from the peer, where the replicas may still differ.
	reconcile(ctx context.Context, merges []merge)
}

// casser is a replication that supports cas (only serial does).
type casser interface {
	cas(ctx context.Context, key string, old *int64, new int64) *nodeserver.Error
}

// sessioner is a replication that keeps client sessions (lww in session
// mode): reads and writes of kv values bounded below by the session's
// version of the key.
type sessioner interface {
	readSession(ctx context.Context, key string, min Version) (Entry, *nodeserver.Error)
	writeSession(ctx context.Context, key string, v int64, min Version) (Version, *nodeserver.Error)
}

// merge is one entry an anti-entropy exchange merged: this node's entry
// after the merge, and the peer's.
type merge struct{ mine, theirs Entry }

// newReplication is the mode's replication.
func newReplication(s *Server, mode Mode) replication {
	if mode.Serial() {
		return newSerial(s)
	}
	return &lww{s: s, mode: mode}
}

// localError is a failed local read of ref.
func localError(ref EntryRef, err error) *nodeserver.Error {
	if ref.Kind == KindSet {
		return nodeserver.Indeterminate("kv: local set read %q: %v", ref.Key, err)
	}
	return nodeserver.Indeterminate("kv: local read %q: %v", ref.Key, err)
}
