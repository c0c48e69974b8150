package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/faultline/faultline/api"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workloads"
)

// API is what a target's queue client offers.
type API = api.Queue

// Definite classifies an API error: true means the op definitely did not
// take effect; false means it may have.
type Definite func(error) bool

type client struct {
	api        API
	definite   Definite
	node       string
	unresolved *Unresolved
}

// NewClient adapts api into a workloads.Client for node. definite may be
// nil (then every error is info). Outcomes:
//   - enqueue: ok with the value; an error definite vouches for: fail;
//     anything else (timeouts, lost replies, ctx's deadline): info;
//   - dequeue: ok with the element, or null when the queue was empty; the
//     same fail / info split on errors. An info dequeue may have removed an
//     element nobody saw; when api is a Resolver the dequeue carries the
//     request id of its invoke value ({"id": ...}) and an info one adds
//     that id to unresolved (which may be nil), for the drain to ask about.
func NewClient(api API, definite Definite, node string, unresolved *Unresolved) workloads.Client {
	return &client{api: api, definite: definite, node: node, unresolved: unresolved}
}

func (c *client) Invoke(ctx context.Context, op history.Op) history.Op {
	if op.Node == "" {
		op.Node = c.node
	}
	switch op.F {
	case "enqueue":
		var v int64
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return op.Complete(history.Fail, op.Value, fmt.Sprintf("queue: enqueue value %s is not an int: %v", op.Value, err))
		}
		err := c.api.Enqueue(ctx, v)
		if err == nil {
			return op.Complete(history.OK, op.Value, "")
		}
		return op.Complete(c.errType(ctx, err), op.Value, c.errText(ctx, err))
	case "dequeue":
		var v int64
		var empty bool
		var err error
		id := dequeueID(op.Value)
		r, resolvable := c.api.(Resolver)
		if resolvable && id != "" {
			v, empty, err = r.DequeueID(ctx, id)
		} else {
			v, empty, err = c.api.Dequeue(ctx)
		}
		switch {
		case err != nil:
			t := c.errType(ctx, err)
			if t == history.Info && resolvable {
				c.unresolved.Add(id)
			}
			return op.Complete(t, nil, c.errText(ctx, err))
		case empty:
			return op.Complete(history.OK, json.RawMessage("null"), "")
		}
		return op.Complete(history.OK, json.RawMessage(strconv.FormatInt(v, 10)), "")
	}
	return op.Complete(history.Fail, op.Value, fmt.Sprintf("queue: unknown f %q", op.F))
}

func (c *client) errType(ctx context.Context, err error) history.Type {
	if ctx.Err() == nil && c.definite != nil && c.definite(err) {
		return history.Fail
	}
	return history.Info
}

func (c *client) errText(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return fmt.Sprintf("queue: %v (op outlived its timeout: %v)", err, ctx.Err())
	}
	return err.Error()
}

// Close closes the API when it holds resources (implements io.Closer).
func (c *client) Close() error {
	if cl, ok := c.api.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
