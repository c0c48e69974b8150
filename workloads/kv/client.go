package kv

import (
	"github.com/faultline/faultline/workloads"
	"github.com/faultline/faultline/workloads/register"
)

// The kv workload's ops are the register workload's — read, write and cas
// on integer keys — so its client is the register client under the kv name.

// API is what a target's kv client offers for one node: per-key integer
// values, nil for an absent key (GET /kv/{key}, PUT /kv/{key},
// POST /kv/{key}/cas; CAS only in serial mode).
type API = register.API

// Definite classifies an API error: true means the op definitely did not
// take effect; false means it may have.
type Definite = register.Definite

// ErrMismatch is the error a CAS returns when the key did not hold the
// expected value: the cas definitely did not happen.
var ErrMismatch = register.ErrMismatch

// NewClient adapts api into a workloads.Client for node, with the outcome
// taxonomy of register.NewClient.
func NewClient(api API, definite Definite, node string) workloads.Client {
	return register.NewNamedClient("kv", api, definite, node)
}
