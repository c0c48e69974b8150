package api

import "context"

// KVState is a node's own stored version of a key, read without any
// coordination (the final phase compares them across nodes).
type KVState struct {
	Value   *int64 `json:"value"`   // nil: the node stores nothing for key
	TS      int64  `json:"ts"`      // the version's last-write-wins timestamp
	Replica bool   `json:"replica"` // the node is one of key's replicas
}

// SetState is a node's own stored version of a set.
type SetState struct {
	Elements []int64 `json:"elements"`
	Replica  bool    `json:"replica"`
}

// Local reads each node's own state, for the convergence check of the
// final phase. Deployments that keep replicas implement it.
type Local interface {
	LocalRead(ctx context.Context, node, key string) (KVState, error)
	LocalSetRead(ctx context.Context, node, key string) (SetState, error)
	// LocalKeys lists the keys a node stores, so keys the generator never
	// named (there should be none) are read too.
	LocalKeys(ctx context.Context, node string) (kv, set []string, err error)
}
