package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// KeyPrefix is put in front of every workload key, so faultline's keys
// never collide with anything else stored in the cluster.
const KeyPrefix = "faultline/"

// Client is a register client for one etcd member over the v3 JSON
// gateway. It is safe for concurrent use.
type Client struct {
	base    string
	timeout time.Duration
	// serializable lets the member answer reads from its local state
	// (etcd's serializable reads): fast, available in a minority, stale.
	serializable bool
	hc           *http.Client
}

// NewClient returns a client for the member whose client URL is base (e.g.
// "http://198.18.0.11:2379"). timeout bounds each request (0: only ctx).
// serializable makes reads serializable instead of linearizable.
func NewClient(base string, timeout time.Duration, serializable bool) *Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	return &Client{base: strings.TrimRight(base, "/"), timeout: timeout, serializable: serializable,
		hc: &http.Client{Transport: tr}}
}

// Close closes idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// The gateway's JSON: bytes fields are base64, int64 fields decimal strings.
type rangeReq struct {
	Key          []byte `json:"key"`
	Serializable bool   `json:"serializable,omitempty"`
}

type keyValue struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
}

type rangeResp struct {
	Kvs []keyValue `json:"kvs"`
}

type putReq struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
}

type compare struct {
	Key            []byte `json:"key"`
	Target         string `json:"target"` // VALUE | CREATE
	Result         string `json:"result"` // EQUAL
	Value          []byte `json:"value,omitempty"`
	CreateRevision string `json:"create_revision,omitempty"`
}

type requestOp struct {
	RequestPut *putReq `json:"request_put,omitempty"`
}

type txnReq struct {
	Compare []compare   `json:"compare"`
	Success []requestOp `json:"success"`
}

type txnResp struct {
	Succeeded bool `json:"succeeded"`
}

// gatewayError is the gateway's error body.
type gatewayError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Code    int    `json:"code"`
}

func etcdKey(key string) []byte { return []byte(KeyPrefix + key) }

func encodeValue(v int64) []byte { return []byte(strconv.FormatInt(v, 10)) }

// Read returns key's value, nil when the key is absent.
func (c *Client) Read(ctx context.Context, key string) (*int64, error) {
	var out rangeResp
	if err := c.do(ctx, "read", key, "/v3/kv/range", rangeReq{Key: etcdKey(key), Serializable: c.serializable}, &out); err != nil {
		return nil, err
	}
	if len(out.Kvs) == 0 {
		return nil, nil
	}
	v, err := strconv.ParseInt(string(out.Kvs[0].Value), 10, 64)
	if err != nil {
		return nil, &Error{Op: "read", Key: key, URL: c.base, Definite: true,
			Msg: fmt.Sprintf("value %q is not an integer (was the key written by something else?)", out.Kvs[0].Value)}
	}
	return &v, nil
}

// Write puts v at key.
func (c *Client) Write(ctx context.Context, key string, v int64) error {
	return c.do(ctx, "write", key, "/v3/kv/put", putReq{Key: etcdKey(key), Value: encodeValue(v)}, nil)
}

// CAS puts new at key if key holds old (nil old: if key is absent), in one
// transaction. A failed comparison returns an error wrapping ErrMismatch
// and ErrDefinite.
func (c *Client) CAS(ctx context.Context, key string, old *int64, new int64) error {
	k := etcdKey(key)
	cmp := compare{Key: k, Target: "VALUE", Result: "EQUAL"}
	if old == nil {
		cmp = compare{Key: k, Target: "CREATE", Result: "EQUAL", CreateRevision: "0"}
	} else {
		cmp.Value = encodeValue(*old)
	}
	req := txnReq{Compare: []compare{cmp}, Success: []requestOp{{RequestPut: &putReq{Key: k, Value: encodeValue(new)}}}}
	var out txnResp
	if err := c.do(ctx, "cas", key, "/v3/kv/txn", req, &out); err != nil {
		return err
	}
	if !out.Succeeded {
		want := "absent"
		if old != nil {
			want = strconv.FormatInt(*old, 10)
		}
		return &Error{Op: "cas", Key: key, URL: c.base, Definite: true, Mismatch: true,
			Msg: "key does not hold " + want}
	}
	return nil
}

// do posts in as JSON to path and decodes the reply into out.
func (c *Client) do(ctx context.Context, op, key, path string, in, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	u := c.base + path
	fail := func(e Error) error {
		e.Op, e.Key, e.URL = op, key, u
		return &e
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fail(Error{Definite: true, Msg: "encode request", Err: err})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fail(Error{Definite: true, Msg: "build request", Err: err})
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fail(Error{Err: fmt.Errorf("%w (%v)", ctx.Err(), err)})
		}
		return fail(Error{Definite: definiteTransport(err), Err: err})
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		// The reply was cut: etcd may have applied the request.
		return fail(Error{Status: resp.StatusCode, Err: err})
	}
	if resp.StatusCode != http.StatusOK {
		var ge gatewayError
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &ge) == nil && (ge.Error != "" || ge.Message != "") {
			msg = ge.Message
			if msg == "" {
				msg = ge.Error
			}
		}
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return fail(Error{Status: resp.StatusCode, Code: ge.Code, Msg: msg, Definite: definiteReply(ge.Code, msg)})
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 200 we cannot read: the request was applied (write) or not
		// (read); either way the reply is unusable, so indeterminate.
		return fail(Error{Status: resp.StatusCode, Msg: "bad reply", Err: err})
	}
	return nil
}

// Healthy reports whether the member at base answers /health with
// {"health":"true"}, i.e. it is part of a cluster with a leader.
func Healthy(ctx context.Context, hc *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var h struct {
		Health string `json:"health"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("health: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if h.Health != "true" {
		return fmt.Errorf("health: %s", strings.TrimSpace(string(data)))
	}
	return nil
}
