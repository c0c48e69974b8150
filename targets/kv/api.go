package kv

import "github.com/faultline/faultline/targets/nodeserver"

// The HTTP/JSON API, one port per node. Any node coordinates any request.
//
// Client API:
//
//	GET  /kv/{key}         -> 200 {"value": int|null}   (read with the mode's R)
//	PUT  /kv/{key}         {"value": int} -> 200 {"value": int}
//
// In session mode both take the session's highest version of the key as
// query parameters, ?min_ts=int&min_node=n1 (both optional; other modes
// refuse them with 400), and both replies carry a version, "ts" and
// "node": the version read (absent for a key with no value) or the one
// the write was stamped with. A read is answered only by a replica whose
// version is at least (min_ts, min_node) — compared by ts, then node —
// and fails 503 (definite) when no replica that answers has it; a write
// is stamped with a ts above both the coordinator's clock and min_ts.
//
//	POST /kv/{key}/cas     {"old": int|null, "new": int} -> 200 {"value": int}   (serial only)
//	POST /set/{key}        {"element": int} -> 200 {}
//	GET  /set/{key}        -> 200 {"elements": [int, ...]}   (sorted)
//	GET  /local/kv/{key}   -> 200 {"value": int|null, "ts": int, "node": "n1", "replica": bool}
//	GET  /local/set/{key}  -> 200 {"elements": [...], "replica": bool}
//	GET  /local/keys       -> 200 {"kv": [...], "set": [...]}
//	GET  /clock            -> 200 {"node": "n1", "time_ns": int, "offset_ns": int, "rate": float}
//	GET  /health           -> 200 {"node": "n1", "role": "kv", "mode": "quorum", ...}
//
// The /local endpoints show this node's own stored state, with no
// coordination and no repair (for convergence checking). In serial mode
// the local value is the acceptor's accepted value and ts/node are its
// accepted ballot.
//
// Failures carry {"error": "...", "definite": bool}:
//
//	400 definite      a malformed request, or cas outside serial mode
//	409 definite      cas whose old value does not match
//	503 definite      nothing was written anywhere (no replica reachable, no quorum before any accept)
//	500 indeterminate the write may have reached some replica
//
// Peer API (internal, between nodes):
//
//	POST /peer/prepare  paxos.Prepare -> paxos.Promise
//	POST /peer/accept   paxos.Accept  -> paxos.Accepted
//	POST /peer/get      EntryRef      -> Entry
//	POST /peer/put      PutRequest    -> {}          (durable before the reply)
//	POST /peer/sync     SyncRequest   -> SyncReply   (anti-entropy)
const (
	PathKV      = "/kv/"
	PathSet     = "/set/"
	PathLocal   = "/local/"
	PathHealth  = "/health"
	PathClock   = "/clock"
	PathPrepare = nodeserver.PathPrepare
	PathAccept  = nodeserver.PathAccept
	PathGet     = "/peer/get"
	PathPut     = "/peer/put"
	PathSync    = "/peer/sync"
)

// maxBody bounds one HTTP body read (a request or a reply).
const maxBody = 16 << 20

// Query parameters of a session-mode read or write: the session's
// minimum version of the key.
const (
	QueryMinTS   = "min_ts"
	QueryMinNode = "min_node"
)

// ValueBody is the body of a read reply, a write request and a write
// reply. TS and Node are the version read or written, in session mode
// only (zero otherwise, and ignored in a request).
type ValueBody struct {
	Value *int64 `json:"value"`
	TS    int64  `json:"ts,omitempty"`
	Node  string `json:"node,omitempty"`
}

// CASBody is the body of a cas request; a nil Old means "no value".
type CASBody struct {
	Old *int64 `json:"old"`
	New *int64 `json:"new"`
}

// ElementBody is the body of a set add.
type ElementBody struct {
	Element *int64 `json:"element"`
}

// ElementsBody is the body of a set read.
type ElementsBody struct {
	Elements []int64 `json:"elements"`
}

// LocalValue is the body of GET /local/kv/{key}.
type LocalValue struct {
	Value   *int64 `json:"value"`
	TS      int64  `json:"ts"`
	Node    string `json:"node"`
	Replica bool   `json:"replica"`
}

// LocalSet is the body of GET /local/set/{key}.
type LocalSet struct {
	Elements []int64 `json:"elements"`
	Replica  bool    `json:"replica"`
}

// LocalKeys is the body of GET /local/keys.
type LocalKeys struct {
	KV  []string `json:"kv"`
	Set []string `json:"set"`
}

// ErrorBody is the body of every failed reply.
type ErrorBody = nodeserver.ErrorBody

// Health is the body of GET /health.
type Health struct {
	Node     string `json:"node"`
	Role     string `json:"role"`
	Mode     Mode   `json:"mode"`
	Epoch    uint64 `json:"epoch"`
	Replicas int    `json:"replicas"`
}

// EntryRef names one entry (the body of /peer/get).
type EntryRef struct {
	Kind Kind   `json:"kind"`
	Key  string `json:"key"`
}

// PutRequest carries entries to merge (the body of /peer/put).
type PutRequest struct {
	Entries []Entry `json:"entries"`
}

// Digest is one entry's summary in an anti-entropy exchange.
type Digest struct {
	Kind   Kind   `json:"kind"`
	Key    string `json:"key"`
	Digest string `json:"digest"`
}

// SyncRequest is the body of /peer/sync: the sender's digests of every key
// it holds that the receiver also replicates.
type SyncRequest struct {
	From    string   `json:"from"`
	Digests []Digest `json:"digests"`
}

// SyncReply carries the receiver's entries that differ from (or are
// missing in) the request, and the keys it wants the sender to push.
type SyncReply struct {
	Entries []Entry    `json:"entries"`
	Want    []EntryRef `json:"want"`
}
