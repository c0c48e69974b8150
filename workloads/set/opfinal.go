package set

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workloads"
	"github.com/faultline/faultline/workloads/final"
)

// opSets reads each node's set through an op client bound to that node
// (one per node, opened on first use), for the final phase of a target
// whose clients take history ops as they are: the read is the op
// {"f": "read", "key": K}, and its ok value the set's elements (a list of
// integers, or {"elements": [...]}).
type opSets struct {
	open func(node string) (workloads.Client, error)

	mu      sync.Mutex
	clients map[string]workloads.Client
}

func (o *opSets) client(node string) (workloads.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c, ok := o.clients[node]; ok {
		return c, nil
	}
	c, err := o.open(node)
	if err != nil {
		return nil, err
	}
	if o.clients == nil {
		o.clients = map[string]workloads.Client{}
	}
	o.clients[node] = c
	return c, nil
}

// LocalSetRead implements final.LocalSet. Every node counts as a replica:
// the client is asked for the node's own view.
func (o *opSets) LocalSetRead(ctx context.Context, node, key string) (api.SetState, error) {
	c, err := o.client(node)
	if err != nil {
		return api.SetState{}, err
	}
	done := c.Invoke(ctx, history.Op{Process: final.FirstProcess, Type: history.Invoke, F: "read", Key: key, Node: node})
	if done.Type != history.OK {
		return api.SetState{}, fmt.Errorf("set: final read of %q on %s: %s %s", key, node, done.Type, done.Error)
	}
	els, err := elements(done.Value)
	if err != nil {
		return api.SetState{}, fmt.Errorf("set: final read of %q on %s: %w", key, node, err)
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

// Close closes the final phase's clients.
func (o *opSets) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range o.clients {
		c.Close()
	}
	o.clients = nil
}
