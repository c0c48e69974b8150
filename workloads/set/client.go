package set

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workloads"
)

// API is what a target's set client offers for one node: per-key sets of
// int64. Over the kv target's HTTP API: POST /set/{key} {"element": n} and
// GET /set/{key} -> {"elements": [...]}.
type API = api.Set

// Definite classifies an API error: true means the op definitely did not
// take effect; false means it may have.
type Definite func(error) bool

type client struct {
	api      API
	definite Definite
	node     string
}

// NewClient adapts api into a workloads.Client for node. definite may be
// nil (then every add error is info). Outcomes:
//   - read: ok with the sorted elements (a JSON list, [] when empty); any
//     error is fail, because a read changes nothing;
//   - add: ok with the element; fail when definite says so; info otherwise,
//     and always info when ctx's deadline passed.
func NewClient(api API, definite Definite, node string) workloads.Client {
	return &client{api: api, definite: definite, node: node}
}

func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	if op.Node == "" {
		op.Node = c.node
	}
	switch op.F {
	case "read":
		els, err := c.api.Read(ctx, op.Key)
		if err != nil {
			return op.Complete(history.Fail, nil, err.Error())
		}
		els = slices.Clone(els)
		slices.Sort(els)
		if els == nil {
			els = []int64{}
		}
		return op.Complete(history.OK, history.Raw(els), "")
	case "add":
		var e int64
		if err := json.Unmarshal(op.Value, &e); err != nil {
			return op.Complete(history.Fail, op.Value, fmt.Sprintf("set: add value %s is not an int: %v", op.Value, err))
		}
		err := c.api.Add(ctx, op.Key, e)
		switch {
		case err == nil:
			return op.Complete(history.OK, op.Value, "")
		case ctx.Err() != nil:
			return op.Complete(history.Info, op.Value, fmt.Sprintf("set: %v (op outlived its timeout: %v)", err, ctx.Err()))
		case c.definite != nil && c.definite(err):
			return op.Complete(history.Fail, op.Value, err.Error())
		}
		return op.Complete(history.Info, op.Value, err.Error())
	}
	return op.Complete(history.Fail, op.Value, fmt.Sprintf("set: unknown f %q", op.F))
}

// Close closes the API when it holds resources (implements io.Closer).
func (c *client) Close() error {
	if cl, ok := c.api.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
