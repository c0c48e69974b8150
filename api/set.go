package api

import "context"

// Set is per-key grow-only sets of int64, for the set workload.
type Set interface {
	Add(ctx context.Context, key string, element int64) error
	Read(ctx context.Context, key string) ([]int64, error)
}

// SetClients is implemented by deployments that serve the set workload.
type SetClients interface {
	SetClient(node string) (Set, error)
}
