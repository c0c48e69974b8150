package kv

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/targets/clock"
	"github.com/faultline/faultline/targets/httpapi"
)

// Client talks to one kv node over its HTTP API. It is safe for concurrent
// use; connections are kept alive.
type Client struct {
	api *httpapi.Client
}

// definiteStatus are the statuses with which a node refuses before it
// acts, whatever the reply body says.
var definiteStatus = []int{http.StatusConflict, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed}

// NewClient returns a client for the node at baseURL (e.g.
// "http://198.18.0.11:7000"); timeout bounds each request (0: only ctx).
func NewClient(baseURL string, timeout time.Duration) *Client {
	return &Client{api: httpapi.NewClient(baseURL, timeout, httpapi.Options{MaxIdleConns: 256, MaxReply: maxBody, DefiniteStatus: definiteStatus})}
}

// Close closes idle connections.
func (c *Client) Close() { c.api.Close() }

// String names the client's node.
func (c *Client) String() string { return fmt.Sprintf("kv client %s", c.api.Base()) }

// Read returns key's value (nil when it has none), read with the mode's R.
func (c *Client) Read(ctx context.Context, key string) (*int64, error) {
	var out ValueBody
	err := c.do(ctx, "read", key, http.MethodGet, c.url(PathKV, key), nil, &out)
	return out.Value, err
}

// Write sets key to v.
func (c *Client) Write(ctx context.Context, key string, v int64) error {
	return c.do(ctx, "write", key, http.MethodPut, c.url(PathKV, key), ValueBody{Value: &v}, nil)
}

// ReadAtLeast is a session-mode read: key's value and version, answered
// only by a replica whose version is at least min (a zero min: any). When
// no replica has it, the node fails definitely (503). The version is zero
// when the key has no value.
func (c *Client) ReadAtLeast(ctx context.Context, key string, min Version) (*int64, Version, error) {
	var out ValueBody
	err := c.do(ctx, "read", key, http.MethodGet, c.url(PathKV, key)+minQuery(min), nil, &out)
	return out.Value, Version{Value: out.Value, TS: out.TS, Node: out.Node}, err
}

// WriteAbove is a session-mode write of v to key, stamped above min.TS
// (and the coordinator's clock); it returns the version written.
func (c *Client) WriteAbove(ctx context.Context, key string, v int64, min Version) (Version, error) {
	var out ValueBody
	err := c.do(ctx, "write", key, http.MethodPut, c.url(PathKV, key)+minQuery(min), ValueBody{Value: &v}, &out)
	return Version{Value: &v, TS: out.TS, Node: out.Node}, err
}

// minQuery is min as the query of a session-mode request ("" when zero).
func minQuery(min Version) string {
	if min.TS == 0 && min.Node == "" {
		return ""
	}
	return "?" + url.Values{QueryMinTS: {strconv.FormatInt(min.TS, 10)}, QueryMinNode: {min.Node}}.Encode()
}

// CAS sets key to new if it holds old (nil old: if it has no value). A
// mismatch returns an error matching ErrCASMismatch (and ErrDefinite);
// outside serial mode the node refuses with a definite error.
func (c *Client) CAS(ctx context.Context, key string, old *int64, new int64) error {
	return c.do(ctx, "cas", key, http.MethodPost, c.url(PathKV, key)+"/cas", CASBody{Old: old, New: &new}, nil)
}

// SetAdd adds element to the set at key.
func (c *Client) SetAdd(ctx context.Context, key string, element int64) error {
	return c.do(ctx, "add", key, http.MethodPost, c.url(PathSet, key), ElementBody{Element: &element}, nil)
}

// SetRead returns the set at key, sorted.
func (c *Client) SetRead(ctx context.Context, key string) ([]int64, error) {
	var out ElementsBody
	err := c.do(ctx, "set-read", key, http.MethodGet, c.url(PathSet, key), nil, &out)
	return out.Elements, err
}

// LocalRead returns the node's own stored version of key, uncoordinated.
func (c *Client) LocalRead(ctx context.Context, key string) (LocalValue, error) {
	var out LocalValue
	err := c.do(ctx, "local-read", key, http.MethodGet, c.url(PathLocal+"kv/", key), nil, &out)
	return out, err
}

// LocalSetRead returns the node's own copy of the set at key.
func (c *Client) LocalSetRead(ctx context.Context, key string) (LocalSet, error) {
	var out LocalSet
	err := c.do(ctx, "local-set-read", key, http.MethodGet, c.url(PathLocal+"set/", key), nil, &out)
	return out, err
}

// LocalKeys lists the keys the node stores.
func (c *Client) LocalKeys(ctx context.Context) (LocalKeys, error) {
	var out LocalKeys
	err := c.do(ctx, "local-keys", "", http.MethodGet, c.api.Base()+PathLocal+"keys", nil, &out)
	return out, err
}

// Clock returns the node's clock reading.
func (c *Client) Clock(ctx context.Context) (clock.Reading, error) {
	var out clock.Reading
	err := c.do(ctx, "clock", "", http.MethodGet, c.api.Base()+PathClock, nil, &out)
	return out, err
}

// Health returns the node's /health body.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var out Health
	err := c.do(ctx, "health", "", http.MethodGet, c.api.Base()+PathHealth, nil, &out)
	return out, err
}

func (c *Client) url(prefix, key string) string { return c.api.Base() + prefix + url.PathEscape(key) }

func (c *Client) do(ctx context.Context, op, key, method, u string, in, out any) error {
	if f := c.api.Do(ctx, method, u, in, out); f != nil {
		return &Error{Op: op, Key: key, URL: u, Failure: *f}
	}
	return nil
}

// Session is one client session against a session-mode node (an
// api.Register): it sticks to its Client's node and carries, per key, the
// highest version it has seen, from its acknowledged writes and its
// reads. Every read asks for at least that version and every write to be
// stamped above it, which gives read-your-writes, monotonic reads,
// monotonic writes and writes-follow-reads per key. A failed or
// indeterminate operation leaves the session's versions as they were.
//
// A Session is one worker's: sharing one between workers would merge
// their sessions. It is safe for concurrent use all the same.
type Session struct {
	c    *Client
	mu   sync.Mutex
	seen map[string]Version // by key; Value unset
}

// NewSession starts an empty session on c's node.
func NewSession(c *Client) *Session { return &Session{c: c, seen: map[string]Version{}} }

// String names the session's node.
func (s *Session) String() string { return fmt.Sprintf("kv session %s", s.c.api.Base()) }

// Seen is the session's highest version of key (zero if none); its Value
// is unset.
func (s *Session) Seen(key string) Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

// observe raises the session's version of key to v.
func (s *Session) observe(key string, v Version) {
	if v.TS == 0 && v.Node == "" {
		return
	}
	v.Value = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	if v.Compare(s.seen[key]) > 0 {
		s.seen[key] = v
	}
}

// Read returns key's value from a replica at least as new as the
// session's version of key.
func (s *Session) Read(ctx context.Context, key string) (*int64, error) {
	v, ver, err := s.c.ReadAtLeast(ctx, key, s.Seen(key))
	if err != nil {
		return nil, err
	}
	s.observe(key, ver)
	return v, nil
}

// Write sets key to v, stamped above the session's version of key.
func (s *Session) Write(ctx context.Context, key string, v int64) error {
	ver, err := s.c.WriteAbove(ctx, key, v, s.Seen(key))
	if err != nil {
		return err
	}
	s.observe(key, ver)
	return nil
}

// CAS is the Client's: session-mode nodes refuse it (400, definite).
func (s *Session) CAS(ctx context.Context, key string, old *int64, new int64) error {
	return s.c.CAS(ctx, key, old, new)
}
