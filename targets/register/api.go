package register

import (
	"github.com/faultline/faultline/targets/nodeserver"
	"github.com/faultline/faultline/targets/paxos"
)

// The HTTP/JSON API, one port per node.
//
// Client API:
//
//	GET  /register/{key}      -> 200 {"value": int|null}
//	PUT  /register/{key}      {"value": int}             -> 200 {"value": int}
//	POST /register/{key}/cas  {"old": int|null, "new": int} -> 200 {"value": int}
//	GET  /health              -> 200 {"node": "n1", "role": "register", "mode": "paxos", ...}
//	GET  /clock               -> 200 {"node": "n1", "time_ns": int, "offset_ns": int, "rate": float} (targets/clock)
//
// Failures carry {"error": "...", "definite": bool}:
//
//	400 definite      a malformed request
//	409 definite      cas whose old value does not match
//	503 definite      the round failed before any accept was sent (no quorum, preempted, timeout in phase 1)
//	500 indeterminate accepts were sent but not acknowledged by a quorum, or a local storage failure
//
// Peer API (internal, between nodes):
//
//	POST /peer/prepare  paxos.Prepare -> paxos.Promise
//	POST /peer/accept   paxos.Accept  -> paxos.Accepted
const (
	PathRegister = "/register/"
	PathHealth   = "/health"
	PathClock    = "/clock"
	PathPrepare  = nodeserver.PathPrepare
	PathAccept   = nodeserver.PathAccept
)

// maxBody bounds one reply body read from a peer; maxRequest one request
// body read by the server.
const (
	maxBody    = 16 << 20
	maxRequest = 1 << 20
)

// ValueBody is the body of a read reply and a write request.
type ValueBody struct {
	Value *int64 `json:"value"`
}

// CASBody is the body of a cas request; a nil Old means "the register is
// empty".
type CASBody struct {
	Old *int64 `json:"old"`
	New *int64 `json:"new"`
}

// ErrorBody is the body of every failed reply.
type ErrorBody = nodeserver.ErrorBody

// Health is the body of GET /health.
type Health struct {
	Node  string     `json:"node"`
	Role  string     `json:"role"`
	Mode  paxos.Mode `json:"mode"`
	Epoch uint64     `json:"epoch"`
	Keys  int        `json:"keys"`
}
