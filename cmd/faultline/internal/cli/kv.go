package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/faultline/faultline/run"
	tkv "github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/workloads"
	"github.com/faultline/faultline/workloads/final"
	wkv "github.com/faultline/faultline/workloads/kv"
	wset "github.com/faultline/faultline/workloads/set"
)

// kvClient adapts the kv target's client to the kv and set workloads' APIs.
type kvClient struct{ c *tkv.Client }

func (k kvClient) Read(ctx context.Context, key string) (*int64, error) { return k.c.Read(ctx, key) }
func (k kvClient) Write(ctx context.Context, key string, v int64) error {
	return k.c.Write(ctx, key, v)
}
func (k kvClient) CAS(ctx context.Context, key string, old *int64, new int64) error {
	err := k.c.CAS(ctx, key, old, new)
	if errors.Is(err, tkv.ErrCASMismatch) {
		return fmt.Errorf("%w: %w", wkv.ErrMismatch, err)
	}
	return err
}
func (k kvClient) Add(ctx context.Context, key string, e int64) error {
	return k.c.SetAdd(ctx, key, e)
}
func (k kvClient) SetRead(ctx context.Context, key string) ([]int64, error) {
	return k.c.SetRead(ctx, key)
}

// setAPI is the set workload's view of a kv client (its Read is SetRead).
type setAPI struct{ k kvClient }

func (s setAPI) Add(ctx context.Context, key string, e int64) error { return s.k.Add(ctx, key, e) }
func (s setAPI) Read(ctx context.Context, key string) ([]int64, error) {
	return s.k.SetRead(ctx, key)
}

// kvLocal reads every node's own state for the final phase.
type kvLocal struct{ clients map[string]*tkv.Client }

func (l kvLocal) LocalRead(ctx context.Context, node, key string) (final.KVState, error) {
	v, err := l.clients[node].LocalRead(ctx, key)
	return final.KVState{Value: v.Value, TS: v.TS, Replica: v.Replica}, err
}

func (l kvLocal) LocalSetRead(ctx context.Context, node, key string) (final.SetState, error) {
	s, err := l.clients[node].LocalSetRead(ctx, key)
	return final.SetState{Elements: s.Elements, Replica: s.Replica}, err
}

func (l kvLocal) LocalKeys(ctx context.Context, node string) ([]string, []string, error) {
	k, err := l.clients[node].LocalKeys(ctx)
	return k.KV, k.Set, err
}

func kvClients(b *buildEnv, t *builtTarget) (map[string]*tkv.Client, error) {
	m := map[string]*tkv.Client{}
	for _, n := range b.nodes {
		c, ok := t.client(n.Name).(*tkv.Client)
		if !ok {
			return nil, fmt.Errorf("cli: target %s has no kv client", b.o.target)
		}
		m[n.Name] = c
	}
	return m, nil
}

func buildKVWorkload(b *buildEnv, t *builtTarget) (*builtWorkload, error) {
	clients, err := kvClients(b, t)
	if err != nil {
		return nil, err
	}
	checkers, err := workloadCheckers("kv", b.o.checkTime)
	if err != nil {
		return nil, err
	}
	gen := wkv.NewGenerator(wkv.Options{Concurrency: b.o.concurrency, CAS: b.mode == "serial"})
	local := kvLocal{clients}
	return &builtWorkload{
		gen: gen,
		newClient: func(node string) (workloads.Client, error) {
			return wkv.NewClient(kvClient{clients[node]}, t.definite, node), nil
		},
		checkers: checkers,
		final: func(ctx context.Context, rec run.Recorder) error {
			_, err := final.ReadKV(ctx, rec, local, final.Options{Nodes: names(b.nf), Keys: gen.Keys()})
			return err
		},
	}, nil
}

func buildSetWorkload(b *buildEnv, t *builtTarget) (*builtWorkload, error) {
	clients, err := kvClients(b, t)
	if err != nil {
		return nil, err
	}
	gen := wset.NewGenerator(wset.Options{})
	local := kvLocal{clients}
	return &builtWorkload{
		gen: gen,
		newClient: func(node string) (workloads.Client, error) {
			return wset.NewClient(setAPI{kvClient{clients[node]}}, t.definite, node), nil
		},
		checkers: must(workloadCheckers("set", b.o.checkTime)),
		final: func(ctx context.Context, rec run.Recorder) error {
			_, err := final.ReadSets(ctx, rec, local, final.Options{Nodes: names(b.nf), Keys: gen.Keys()})
			return err
		},
	}, nil
}
