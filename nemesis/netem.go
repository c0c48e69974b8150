package nemesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
)

// Shape is one network shaping fault: every packet a node sends to its
// peers is delayed by Delay +- Jitter and dropped with probability Loss
// (percent).
type Shape struct {
	DelayMs  float64 `json:"delay_ms"`
	JitterMs float64 `json:"jitter_ms,omitempty"`
	LossPct  float64 `json:"loss_pct,omitempty"`
}

// netemProfiles are the shapes a start-netem op may name.
var netemProfiles = map[string]Shape{
	"slow":  {DelayMs: 50, JitterMs: 10},
	"lossy": {DelayMs: 1, LossPct: 10},
	"flaky": {DelayMs: 100, JitterMs: 50, LossPct: 5},
	"wan":   {DelayMs: 200, JitterMs: 40, LossPct: 1},
}

// NetemProfiles lists the shape names a start-netem op may name, sorted.
func NetemProfiles() []string {
	var out []string
	for k := range netemProfiles {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// check refuses a shape that would not shape anything or that netem rejects.
func (s Shape) check() error {
	switch {
	case s.DelayMs < 0 || s.JitterMs < 0 || s.LossPct < 0 || s.LossPct > 100:
		return fmt.Errorf("nemesis: netem shape %+v: delay and jitter must be >= 0, loss between 0 and 100", s)
	case s.JitterMs > s.DelayMs:
		return fmt.Errorf("nemesis: netem shape %+v: jitter larger than the delay", s)
	case s.DelayMs == 0 && s.LossPct == 0:
		return fmt.Errorf("nemesis: netem shape %+v shapes nothing; refusing a fault that would not take effect", s)
	}
	return nil
}

// argv is the tc command that installs s as dev's root qdisc.
func (s Shape) argv(dev string) []string {
	a := []string{"tc", "qdisc", "replace", "dev", dev, "root", "netem", "delay", ms(s.DelayMs)}
	if s.JitterMs > 0 {
		a = append(a, ms(s.JitterMs))
	}
	if s.LossPct > 0 {
		a = append(a, "loss", strconv.FormatFloat(s.LossPct, 'f', -1, 64)+"%")
	}
	return a
}

func ms(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "ms" }

// Netem shapes the network between the nodes with tc netem (F start-netem)
// and removes the shaping (F stop-netem). On each node it installs a netem
// root qdisc on the interface that routes to the other nodes (found with
// `ip -o route get PEER`: on namespace nodes the veth inside the node's
// network namespace).
//
// Invariant: the only qdiscs it ever deletes are root netem qdiscs; a
// node's other traffic control setup is never touched.
type Netem struct {
	env Env

	mu  sync.Mutex // guards rng and devs
	rng *rand.Rand
	dev map[string]string // node -> interface, once found
}

// NewNetem returns the netem nemesis after checking, on every node, that
// tc exists and the kernel has netem (sch_netem): it installs and removes
// a netem qdisc on the node's loopback. Without netem it refuses up front
// with an error wrapping ErrUnsupported.
func NewNetem(env Env, rng *rand.Rand) (*Netem, error) {
	n, err := newNetem(env, rng)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Probe(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// newNetem builds the nemesis without probing: what heal and residue use.
func newNetem(env Env, rng *rand.Rand) (*Netem, error) {
	if rng == nil {
		return nil, errors.New("nemesis: netem: nil rng")
	}
	if len(env.Nodes) == 0 {
		return nil, errors.New("nemesis: netem: no nodes")
	}
	for _, n := range env.Nodes {
		if env.Remotes[n] == nil {
			return nil, fmt.Errorf("nemesis: netem: node %q has no remote", n)
		}
	}
	return &Netem{env: env, rng: rng, dev: map[string]string{}}, nil
}

// Name is "netem".
func (n *Netem) Name() string { return "netem" }

// Fs are start-netem and stop-netem.
func (n *Netem) Fs() []string { return []string{"start-netem", "stop-netem"} }

func tc(args ...string) control.Cmd {
	return control.Cmd{Argv: append([]string{"tc"}, args...), Sudo: true}
}

// run runs cmd on node and names the node in any error.
func (n *Netem) run(ctx context.Context, node string, cmd control.Cmd) (string, error) {
	res, err := n.env.Remotes[node].Run(ctx, cmd)
	if err != nil {
		return string(res.Stdout), fmt.Errorf("nemesis: node %q: %w", node, err)
	}
	return string(res.Stdout), nil
}

func (n *Netem) eachNode(f func(i int, node string) error) error {
	errs := make([]error, len(n.env.Nodes))
	var wg sync.WaitGroup
	for i, node := range n.env.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i, node)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Probe checks that every node can install a netem qdisc. Nodes that
// cannot for the same reason are named together in one error.
func (n *Netem) Probe(ctx context.Context) error {
	const (
		noNetem = "the kernel has no netem qdisc (load it with modprobe sch_netem, or build the kernel with CONFIG_NET_SCH_NETEM)"
		noTC    = "no tc command (install iproute2)"
	)
	why := make([]string, len(n.env.Nodes))
	err := n.eachNode(func(i int, node string) error {
		_, err := n.run(ctx, node, tc("qdisc", "add", "dev", "lo", "root", "netem", "delay", "0ms"))
		var ee *control.ExitError
		switch {
		case err == nil:
			_, err = n.run(ctx, node, tc("qdisc", "del", "dev", "lo", "root"))
			return err
		case errors.As(err, &ee) && strings.Contains(ee.Stderr, "qdisc kind is unknown"):
			why[i] = noNetem
			return nil
		case errors.As(err, &ee) && ee.Code == 127:
			why[i] = noTC
			return nil
		case errors.As(err, &ee) && strings.Contains(ee.Stderr, "Exclusivity flag on"):
			// lo already has a root qdisc of its own: leave it, and learn
			// about netem when the fault is applied.
			return nil
		}
		return fmt.Errorf("nemesis: netem: probe: %w", err)
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, reason := range []string{noNetem, noTC} {
		var nodes []string
		for i, w := range why {
			if w == reason {
				nodes = append(nodes, n.env.Nodes[i])
			}
		}
		if len(nodes) > 0 {
			errs = append(errs, fmt.Errorf("nemesis: netem: %w: %s %s: %s", ErrUnsupported, plural(len(nodes), "node", "nodes"), strings.Join(nodes, ", "), reason))
		}
	}
	return errors.Join(errs...)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// device finds the interface node uses to reach its peers.
func (n *Netem) device(ctx context.Context, node string) (string, error) {
	n.mu.Lock()
	d, ok := n.dev[node]
	n.mu.Unlock()
	if ok {
		return d, nil
	}
	peer := ""
	for _, p := range n.env.Nodes {
		if p != node && n.env.Addrs[p] != "" {
			peer = n.env.Addrs[p]
			break
		}
	}
	if peer == "" {
		return "", fmt.Errorf("nemesis: netem: node %q has no peer with an address to route to", node)
	}
	out, err := n.run(ctx, node, control.Cmd{Argv: []string{"ip", "-o", "route", "get", peer}})
	if err != nil {
		return "", err
	}
	d = routeDev(out)
	if d == "" {
		return "", fmt.Errorf("nemesis: netem: node %q: no interface in `ip -o route get %s`: %q", node, peer, strings.TrimSpace(out))
	}
	if d == "lo" {
		return "", fmt.Errorf("nemesis: netem: node %q reaches %s over lo; refusing to shape loopback", node, peer)
	}
	n.mu.Lock()
	n.dev[node] = d
	n.mu.Unlock()
	return d, nil
}

// routeDev reads the interface from `ip -o route get` output ("... dev eth0 src ...").
func routeDev(out string) string {
	f := strings.Fields(out)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "dev" {
			return f[i+1]
		}
	}
	return ""
}

// shapeFor decodes a start-netem value: null (a profile drawn from the
// rng), a profile name, or a Shape object.
func (n *Netem) shapeFor(v json.RawMessage) (Shape, error) {
	v = bytes.TrimSpace(v)
	var s Shape
	switch {
	case len(v) == 0 || string(v) == "null":
		n.mu.Lock()
		names := NetemProfiles()
		s = netemProfiles[names[n.rng.IntN(len(names))]]
		n.mu.Unlock()
	case v[0] == '"':
		var name string
		if err := json.Unmarshal(v, &name); err != nil {
			return s, fmt.Errorf("nemesis: netem value %s: %v", v, err)
		}
		p, ok := netemProfiles[name]
		if !ok {
			return s, fmt.Errorf("nemesis: netem profile %q unknown (known: %s)", name, strings.Join(NetemProfiles(), ", "))
		}
		s = p
	default:
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return s, fmt.Errorf("nemesis: netem value %s is neither a profile (%s) nor a shape {delay_ms, jitter_ms, loss_pct}: %v", v, strings.Join(NetemProfiles(), ", "), err)
		}
	}
	return s, s.check()
}

// Invoke applies a start-netem (completing ok with the applied Shape as
// Value once every node's qdisc shows it) or a stop-netem.
func (n *Netem) Invoke(ctx context.Context, op history.Op) history.Op {
	switch op.F {
	case "start-netem":
		s, err := n.shapeFor(op.Value)
		if err != nil {
			return op.Complete(history.Info, nil, err.Error())
		}
		if err := n.Apply(ctx, s); err != nil {
			return op.Complete(history.Info, history.Raw(s), err.Error())
		}
		return op.Complete(history.OK, history.Raw(s), "")
	case "stop-netem":
		if err := n.Heal(ctx); err != nil {
			return op.Complete(history.Info, nil, err.Error())
		}
		return op.Complete(history.OK, nil, "")
	}
	return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: netem does not handle f %q", op.F))
}

// Apply installs s on every node's peer interface and verifies it is there.
func (n *Netem) Apply(ctx context.Context, s Shape) error {
	if err := s.check(); err != nil {
		return err
	}
	return n.eachNode(func(_ int, node string) error {
		dev, err := n.device(ctx, node)
		if err != nil {
			return err
		}
		if _, err := n.run(ctx, node, control.Cmd{Argv: s.argv(dev), Sudo: true}); err != nil {
			return err
		}
		qs, err := n.netemQdiscs(ctx, node)
		if err != nil {
			return err
		}
		for _, q := range qs {
			if q.dev == dev {
				return nil
			}
		}
		return fmt.Errorf("nemesis: netem: node %q: no netem qdisc on %s after it was applied", node, dev)
	})
}

// qdisc is one root netem qdisc found on a node.
type qdisc struct{ dev, line string }

// parseNetemQdiscs picks the root netem qdiscs out of `tc qdisc show`
// ("qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 50ms").
func parseNetemQdiscs(out string) []qdisc {
	var qs []qdisc
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "qdisc" || f[1] != "netem" || !slices.Contains(f, "root") {
			continue
		}
		if d := routeDev(line); d != "" {
			qs = append(qs, qdisc{dev: d, line: strings.TrimSpace(line)})
		}
	}
	return qs
}

// netemQdiscs lists the root netem qdiscs on node. A node without tc has
// none: nothing could have installed one.
func (n *Netem) netemQdiscs(ctx context.Context, node string) ([]qdisc, error) {
	out, err := n.run(ctx, node, control.Cmd{Argv: []string{"tc", "qdisc", "show"}})
	var ee *control.ExitError
	if errors.As(err, &ee) && ee.Code == 127 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseNetemQdiscs(out), nil
}

// Heal deletes every root netem qdisc on every node, whoever installed it;
// other qdiscs are left alone. Idempotent.
func (n *Netem) Heal(ctx context.Context) error {
	return n.eachNode(func(_ int, node string) error {
		qs, err := n.netemQdiscs(ctx, node)
		if err != nil {
			return err
		}
		for _, q := range qs {
			if _, err := n.run(ctx, node, tc("qdisc", "del", "dev", q.dev, "root")); err != nil {
				return err
			}
		}
		return nil
	})
}

// Residue lists the root netem qdiscs left on the nodes ("n1: netem qdisc
// on eth0: ..."); nil means clean.
func (n *Netem) Residue(ctx context.Context) ([]string, error) {
	found := make([][]string, len(n.env.Nodes))
	err := n.eachNode(func(i int, node string) error {
		qs, err := n.netemQdiscs(ctx, node)
		for _, q := range qs {
			found[i] = append(found[i], fmt.Sprintf("%s: netem qdisc on %s: %s", node, q.dev, q.line))
		}
		return err
	})
	return slices.Concat(found...), err
}
