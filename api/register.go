package api

import "context"

// Register is per-key registers of int64, for the register and kv
// workloads. A nil value is an absent key.
type Register interface {
	Read(ctx context.Context, key string) (*int64, error)
	Write(ctx context.Context, key string, v int64) error
	// CAS sets key to new if it holds old (nil: absent); when it does not,
	// CAS returns an error wrapping ErrMismatch.
	CAS(ctx context.Context, key string, old *int64, new int64) error
}

// RegisterClients is implemented by deployments that serve the register
// (and kv) workloads: a client bound to one node.
type RegisterClients interface {
	RegisterClient(node string) (Register, error)
}
