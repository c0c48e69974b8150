package kv

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/ring"
)

// Version is one stored kv value with its last-write-wins stamp.
type Version struct {
	// Value is the value; nil is the JSON null.
	Value *int64 `json:"value"`
	// TS is the coordinator's node clock at the write, unix ns.
	TS int64 `json:"ts"`
	// Node is the coordinator's id.
	Node string `json:"node"`
}

// Compare orders versions for last-write-wins: by TS, then Node, then Value
// (null first). The order is total, so every replica picks the same winner.
func (v Version) Compare(o Version) int {
	if c := cmp.Compare(v.TS, o.TS); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Node, o.Node); c != 0 {
		return c
	}
	switch {
	case v.Value == nil && o.Value == nil:
		return 0
	case v.Value == nil:
		return -1
	case o.Value == nil:
		return 1
	}
	return cmp.Compare(*v.Value, *o.Value)
}

// Kind says which map of the store an Entry belongs to.
type Kind string

const (
	// KindKV is a last-write-wins value (Version).
	KindKV Kind = "kv"
	// KindSet is a grow-only set merged by union.
	KindSet Kind = "set"
	// KindPaxos is a CASPaxos acceptor state (serial mode); its key is
	// prefixed with the client-visible kind ("kv/x", "set/x").
	KindPaxos Kind = "px"
)

// Entry is one key's state as replicas exchange it.
type Entry struct {
	Kind Kind   `json:"kind"`
	Key  string `json:"key"`
	// Found is false when the replica holds nothing for the key.
	Found bool `json:"found"`
	// Version is set for KindKV.
	Version *Version `json:"version,omitempty"`
	// Elements is set for KindSet: sorted, distinct.
	Elements []int64 `json:"elements,omitempty"`
	// State is set for KindPaxos.
	State *paxos.State `json:"state,omitempty"`
}

// Digest summarises the entry: replicas with equal digests need no
// exchange.
func (e Entry) Digest() string {
	if !e.Found {
		return "-"
	}
	switch e.Kind {
	case KindKV:
		v := e.Version
		s := strconv.FormatInt(v.TS, 10) + "." + v.Node + "="
		if v.Value == nil {
			return s + "null"
		}
		return s + strconv.FormatInt(*v.Value, 10)
	case KindSet:
		var sum uint64
		for _, x := range e.Elements {
			sum += ring.Hash(strconv.FormatInt(x, 10))
		}
		return strconv.Itoa(len(e.Elements)) + ":" + strconv.FormatUint(sum, 16)
	case KindPaxos:
		return e.State.Accepted.String()
	}
	return "?"
}

// ringKey is where the entry sits on the ring: its client-visible key.
func ringKey(kind Kind, key string) string {
	if kind == KindPaxos {
		if _, k, ok := cutPaxosKey(key); ok {
			return k
		}
	}
	return key
}

// paxosKey is the acceptor key of a serial-mode kv value or set.
func paxosKey(kind Kind, key string) string { return string(kind) + "/" + key }

// clientKey is the client-visible kind (KindKV or KindSet) and key of a
// store entry.
func clientKey(kind Kind, key string) (Kind, string) {
	if kind == KindPaxos {
		kind, key, _ = cutPaxosKey(key)
	}
	return kind, key
}

func cutPaxosKey(pk string) (Kind, string, bool) {
	for _, k := range []Kind{KindKV, KindSet} {
		if len(pk) > len(k) && pk[:len(k)+1] == string(k)+"/" {
			return k, pk[len(k)+1:], true
		}
	}
	return "", "", false
}

// mergeLWW combines two replicas' answers for a kv or set key: the later
// version, or the union of the sets.
func mergeLWW(a, b Entry) Entry {
	switch {
	case !b.Found:
		return a
	case !a.Found:
		return b
	}
	if a.Kind == KindSet {
		return Entry{Kind: a.Kind, Key: a.Key, Found: true, Elements: union(a.Elements, b.Elements)}
	}
	if a.Version.Compare(*b.Version) >= 0 {
		return a
	}
	return b
}

// union merges two sorted distinct slices.
func union(a, b []int64) []int64 {
	out := make([]int64, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
