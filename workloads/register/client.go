package register

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workloads"
)

// API is what a target's register client offers: per-key registers of
// int64. A nil value is an absent key.
type API = api.Register

// Definite classifies an API error: true means the op definitely did not
// take effect (refused before sending, rejected by the server); false means
// it may have (timeout, connection lost after sending).
type Definite func(error) bool

// ErrMismatch is the error a CAS returns when the register did not hold the
// expected old value: the op definitely did not take effect.
var ErrMismatch = api.ErrMismatch

type client struct {
	api      API
	definite Definite
	node     string
	name     string // prefixes the client's own error texts
}

// NewClient adapts api into a workloads.Client for node. definite may be nil
// (then only ErrMismatch counts as definite). Outcomes:
//   - read: ok with the value (JSON int, or null for absent); any error is
//     fail, because a read changes nothing, so "did not happen" is sound;
//   - write: ok; cas: ok, or fail on ErrMismatch;
//   - an error definite classifies as true: fail with the error text;
//   - anything else, including ctx's deadline (the per-op timeout): info.
func NewClient(api API, definite Definite, node string) workloads.Client {
	return NewNamedClient("register", api, definite, node)
}

// NewNamedClient is NewClient for another workload whose ops are the same
// read / write / cas on integer keys (kv): name prefixes the client's own
// error texts.
func NewNamedClient(name string, api API, definite Definite, node string) workloads.Client {
	return &client{api: api, definite: definite, node: node, name: name}
}

func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	if op.Node == "" {
		op.Node = c.node
	}
	switch op.F {
	case "read":
		v, err := c.api.Read(ctx, op.Key)
		if err != nil {
			return op.Complete(history.Fail, nil, err.Error())
		}
		if v == nil {
			return op.Complete(history.OK, json.RawMessage("null"), "")
		}
		return op.Complete(history.OK, json.RawMessage(strconv.FormatInt(*v, 10)), "")
	case "write":
		var v int64
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return op.Complete(history.Fail, op.Value, fmt.Sprintf("%s: write value %s is not an int: %v", c.name, op.Value, err))
		}
		return c.outcome(ctx, op, c.api.Write(ctx, op.Key, v))
	case "cas":
		var args [2]*int64
		if err := json.Unmarshal(op.Value, &args); err != nil || args[1] == nil {
			return op.Complete(history.Fail, op.Value, fmt.Sprintf("%s: cas value %s is not [old,new]", c.name, op.Value))
		}
		return c.outcome(ctx, op, c.api.CAS(ctx, op.Key, args[0], *args[1]))
	}
	return op.Complete(history.Fail, op.Value, fmt.Sprintf("%s: unknown f %q", c.name, op.F))
}

// outcome completes a write or cas: the invoke's value is kept, so the
// completion still says what was attempted.
func (c *client) outcome(ctx context.Context, op history.Op, err error) history.Op {
	switch {
	case err == nil:
		return op.Complete(history.OK, op.Value, "")
	case errors.Is(err, ErrMismatch): // answered: the old value did not match
		return op.Complete(history.Fail, op.Value, history.Refused+err.Error())
	case ctx.Err() != nil:
		return op.Complete(history.Info, op.Value, fmt.Sprintf("%s: %v (op outlived its timeout: %v)", c.name, err, ctx.Err()))
	case c.definite != nil && c.definite(err):
		return op.Complete(history.Fail, op.Value, err.Error())
	}
	return op.Complete(history.Info, op.Value, err.Error())
}

// Close closes the API when it holds resources (implements io.Closer).
func (c *client) Close() error {
	if cl, ok := c.api.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
