package final

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
)

// OpClient takes history ops as they are: an invoke in, its completion
// out (workloads.Client and targets.OpClient have these methods).
type OpClient interface {
	Invoke(ctx context.Context, op history.Op) history.Op
	Close() error
}

// OpReads reads each node's state through an op client bound to that
// node (one per node, opened on first use), for the final phase of a
// target whose clients take history ops as they are (a client
// executable): the read is the op {"f": "read", "key": K}; its ok value is
// a set's elements (a list of integers, or {"elements": [...]}) or a
// key's integer (null: absent). It implements LocalSet and LocalKV; every
// node counts as a replica. Close it when the phase ends.
type OpReads struct {
	Open func(node string) (OpClient, error)

	mu      sync.Mutex
	clients map[string]OpClient
}

func (o *OpReads) client(node string) (OpClient, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c, ok := o.clients[node]; ok {
		return c, nil
	}
	c, err := o.Open(node)
	if err != nil {
		return nil, err
	}
	if o.clients == nil {
		o.clients = map[string]OpClient{}
	}
	o.clients[node] = c
	return c, nil
}

// read sends the read of key to node's client.
func (o *OpReads) read(ctx context.Context, node, key string) (json.RawMessage, error) {
	c, err := o.client(node)
	if err != nil {
		return nil, err
	}
	done := c.Invoke(ctx, history.Op{Process: FirstProcess, Type: history.Invoke, F: "read", Key: key, Node: node})
	if done.Type != history.OK {
		return nil, fmt.Errorf("final read of %q on %s: %s %s", key, node, done.Type, done.Error)
	}
	return done.Value, nil
}

// LocalRead implements LocalKV: the key's integer, or absent.
func (o *OpReads) LocalRead(ctx context.Context, node, key string) (api.KVState, error) {
	v, err := o.read(ctx, node, key)
	if err != nil {
		return api.KVState{}, err
	}
	var n *int64
	if len(v) > 0 {
		if err := json.Unmarshal(v, &n); err != nil {
			return api.KVState{}, fmt.Errorf("final read of %q on %s: the value %s is not an integer or null", key, node, history.Clip(string(v), 80))
		}
	}
	return api.KVState{Value: n, Replica: true}, nil
}

// LocalSetRead implements LocalSet. Every node counts as a replica: the
// client is asked for the node's own view.
func (o *OpReads) LocalSetRead(ctx context.Context, node, key string) (api.SetState, error) {
	v, err := o.read(ctx, node, key)
	if err != nil {
		return api.SetState{}, err
	}
	els, err := elements(v)
	if err != nil {
		return api.SetState{}, fmt.Errorf("final read of %q on %s: %w", key, node, err)
	}
	return api.SetState{Elements: els, Replica: true}, nil
}

// elements reads a read's value: [1, 2] or {"elements": [1, 2]}.
func elements(v json.RawMessage) ([]int64, error) {
	var els []int64
	if err := json.Unmarshal(v, &els); err == nil {
		return els, nil
	}
	var s struct {
		Elements []int64 `json:"elements"`
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("the value %s is not a list of integers", history.Clip(string(v), 80))
	}
	return s.Elements, nil
}

// Close closes the clients it opened.
func (o *OpReads) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.clients {
		c.Close()
	}
	o.clients = nil
}
