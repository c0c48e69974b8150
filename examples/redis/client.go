package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/faultline/faultline/api"
)

func init() { redis.SetLogger(quiet{}) }

// quiet drops go-redis's own log lines: every outcome is in the history.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// dial is a plain client of one server: the probes and the final reads.
func dial(addr string, timeout time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: timeout, WriteTimeout: timeout,
		MaxRetries: -1, PoolSize: 1, Protocol: 2, DisableIdentity: true})
}

func pingOnce(ctx context.Context, addr string) error {
	c := dial(addr, time.Second)
	defer c.Close()
	return c.Ping(ctx).Err()
}

// waitReplicas waits until the primary reports every replica connected,
// so the run starts from a whole replication topology.
func (d *deployment) waitReplicas(ctx context.Context) error {
	c := dial(d.addr(d.primary(), redisPort), time.Second)
	defer c.Close()
	want := len(d.env.Nodes) - 1
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		info, err := c.Info(ctx, "replication").Result()
		if err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
					last = v
					if n, _ := strconv.Atoi(v); n >= want {
						return nil
					}
				}
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("redis: the primary %s has %s of %d replicas connected after 30s", d.primary().Name, last, want)
}

// client is one worker's connection, bound to a node: it asks that node's
// Sentinel (and the others it learns of) which server is the primary, as a
// Redis client in production does. No retries: an op is sent once.
type client struct {
	rdb *redis.Client
}

func (d *deployment) newClient(node string) (*client, error) {
	n, err := d.node(node)
	if err != nil {
		return nil, err
	}
	t := d.env.OpTimeout
	if t == 0 {
		t = time.Second
	}
	return &client{rdb: redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    masterName,
		SentinelAddrs: []string{d.addr(n, sentinelPort)},
		DialTimeout:   t, ReadTimeout: t, WriteTimeout: t,
		MaxRetries: -1, PoolSize: 1, Protocol: 2, DisableIdentity: true,
	})}, nil
}

// SetClient implements api.SetClients.
func (d *deployment) SetClient(node string) (api.Set, error) { return d.newClient(node) }

// RegisterClient implements api.RegisterClients.
func (d *deployment) RegisterClient(node string) (api.Register, error) {
	c, err := d.newClient(node)
	if err != nil {
		return nil, err
	}
	return register{c}, nil
}

// Add is SADD.
func (c *client) Add(ctx context.Context, key string, e int64) error {
	return classify(c.rdb.SAdd(ctx, key, e).Err())
}

// Read is SMEMBERS.
func (c *client) Read(ctx context.Context, key string) ([]int64, error) {
	ms, err := c.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return nil, classify(err)
	}
	return ints(ms)
}

func ints(ms []string) ([]int64, error) {
	out := make([]int64, 0, len(ms))
	for _, m := range ms {
		v, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: member %q is not an integer", m)
		}
		out = append(out, v)
	}
	return out, nil
}

// register is the same connection seen as a register (api.Register has
// its own Read).
type register struct{ *client }

// Read is GET; nil when the key is absent.
func (r register) Read(ctx context.Context, key string) (*int64, error) {
	s, err := r.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redis: %q holds %q, not an integer", key, s)
	}
	return &v, nil
}

// Write is SET.
func (r register) Write(ctx context.Context, key string, v int64) error {
	return classify(r.rdb.Set(ctx, key, v, 0).Err())
}

// CAS runs casScript: atomic on the primary.
func (r register) CAS(ctx context.Context, key string, old *int64, new int64) error {
	which, was := "absent", ""
	if old != nil {
		which, was = "value", strconv.FormatInt(*old, 10)
	}
	n, err := casScript.Run(ctx, r.rdb, []string{key}, which, was, new).Int()
	if err != nil {
		return classify(err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %q did not hold %s", api.ErrMismatch, key, which+" "+was)
	}
	return nil
}

// Close closes the connection.
func (c *client) Close() error { return c.rdb.Close() }

// casScript sets KEYS[1] to ARGV[3] if it holds ARGV[2], or is absent when
// ARGV[1] is "absent"; 1 when it did, 0 when it did not.
var casScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if (ARGV[1] == 'absent' and v == false) or (ARGV[1] == 'value' and v == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3])
  return 1
end
return 0`)

// classify wraps the errors that say a command was not executed as
// definite (api.ErrDefinite): refused connections, a replica's or a cut-off
// primary's refusal, no primary known. Everything else (a timeout, a reset
// connection after sending) may have taken effect.
func classify(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, p := range []string{"READONLY", "NOREPLICAS", "MASTERDOWN", "LOADING", "NOSCRIPT", "redis: all sentinels", "connection refused"} {
		if strings.Contains(msg, p) {
			return fmt.Errorf("%w: %v", api.ErrDefinite, err)
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: %v", api.ErrDefinite, err)
	}
	return err
}

// Definite implements targets.Classifier.
func (d *deployment) Definite(err error) bool {
	return errors.Is(err, api.ErrDefinite) || errors.Is(err, api.ErrMismatch)
}

// LocalSetRead implements api.Local: the set as node's own server holds
// it, for the final phase's convergence check.
func (d *deployment) LocalSetRead(ctx context.Context, node, key string) (api.SetState, error) {
	n, err := d.node(node)
	if err != nil {
		return api.SetState{}, err
	}
	c := dial(d.addr(n, redisPort), 2*time.Second)
	defer c.Close()
	ms, err := c.SMembers(ctx, key).Result()
	if err != nil {
		return api.SetState{}, err
	}
	els, err := ints(ms)
	return api.SetState{Elements: els, Replica: true}, err
}

// LocalRead implements api.Local for kv keys, which this target does not
// serve.
func (d *deployment) LocalRead(ctx context.Context, node, key string) (api.KVState, error) {
	return api.KVState{}, errors.New("redis: the kv workload is not served")
}

// LocalKeys implements api.Local: the final phase reads the keys the
// generator named.
func (d *deployment) LocalKeys(ctx context.Context, node string) (kv, set []string, err error) {
	return nil, nil, nil
}

// Primaries implements targets.Primaries: the nodes whose server says it
// is a primary right now (ROLE), so the partition nemesis can cut them off
// from the rest, the fault that exposes what a failover loses. Two can
// claim it at once, an old primary cut off and the one promoted in its
// place.
func (d *deployment) Primaries(ctx context.Context) ([]string, error) {
	type answer struct {
		node    string
		primary bool
	}
	answers := make(chan answer, len(d.env.Nodes))
	for _, n := range d.env.Nodes {
		go func() {
			c := dial(d.addr(n, redisPort), time.Second)
			defer c.Close()
			role, err := c.Do(ctx, "ROLE").Slice()
			answers <- answer{n.Name, err == nil && len(role) > 0 && role[0] == "master"}
		}()
	}
	var out []string
	for range d.env.Nodes {
		if a := <-answers; a.primary {
			out = append(out, a.node)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("redis: no server says it is the primary")
	}
	return out, nil
}
