package nemesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// Chain is the iptables chain (filter table) that faultline owns on every
// node. Partition rules live only here; INPUT holds one jump to it. Nothing
// else on a node's firewall is ever changed or flushed.
const Chain = "FAULTLINE"

// probePort is the port the connectivity probe dials: every node runs sshd.
const probePort = "22"

// Partition cuts the network with iptables according to a grudge
// (F start-partition) and heals it (F stop-partition).
//
// Invariant: the only rules it adds are "-A FAULTLINE -s ADDR -j DROP" with
// ADDR the address of another node, plus "-I INPUT 1 -j FAULTLINE"; so the
// controller's own SSH (from an address that is no node's) is never cut.
type Partition struct {
	env Env

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

// NewPartition checks env (every node has a Remote and an IPv4 address,
// addresses distinct) and returns the partition nemesis. rng picks grudge
// kinds and shapes; it is the only source of randomness.
func NewPartition(env Env, rng *rand.Rand) (*Partition, error) {
	if rng == nil {
		return nil, errors.New("nemesis: partition: nil rng")
	}
	if len(env.Nodes) == 0 {
		return nil, errors.New("nemesis: partition: no nodes")
	}
	seen := map[netip.Addr]string{}
	for _, n := range env.Nodes {
		if env.Remotes[n] == nil {
			return nil, fmt.Errorf("nemesis: partition: node %q has no remote", n)
		}
		a, err := netip.ParseAddr(env.Addrs[n])
		if err != nil || !a.Unmap().Is4() {
			return nil, fmt.Errorf("nemesis: partition: node %q address %q is not an IPv4 address (iptables rules match IPv4 literals only; give the node's IP in the nodes file)", n, env.Addrs[n])
		}
		a = a.Unmap()
		if other, dup := seen[a]; dup {
			return nil, fmt.Errorf("nemesis: partition: nodes %q and %q share address %s", other, n, a)
		}
		seen[a] = n
	}
	return &Partition{env: env, rng: rng}, nil
}

// Name is "partition".
func (p *Partition) Name() string { return "partition" }

// Fs are start-partition and stop-partition.
func (p *Partition) Fs() []string { return []string{"start-partition", "stop-partition"} }

// Invoke applies a start-partition (Value: null for a kind drawn from the
// rng, a kind name like "majorities-ring", or an explicit grudge object) or
// a stop-partition. A started partition completes ok with the grudge as its
// Value once every node's chain matches it and a probe confirms one cut
// pair cannot connect; otherwise info with the grudge and the error.
func (p *Partition) Invoke(ctx context.Context, op history.Op) history.Op {
	switch op.F {
	case "start-partition":
		g, err := p.grudgeFor(ctx, op.Value)
		if err != nil {
			return op.Complete(history.Info, nil, err.Error())
		}
		if err := p.Apply(ctx, g); err != nil {
			return op.Complete(history.Info, history.Raw(g), err.Error())
		}
		if err := p.Verify(ctx, g); err != nil {
			return op.Complete(history.Info, history.Raw(g), err.Error())
		}
		return op.Complete(history.OK, history.Raw(g), "")
	case "stop-partition":
		if err := p.Heal(ctx); err != nil {
			return op.Complete(history.Info, nil, err.Error())
		}
		return op.Complete(history.OK, nil, "")
	}
	return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: partition does not handle f %q", op.F))
}

// grudgeFor decodes a start-partition value into the grudge to apply.
func (p *Partition) grudgeFor(ctx context.Context, v json.RawMessage) (Grudge, error) {
	v = bytes.TrimSpace(v)
	var g Grudge
	switch {
	case len(v) == 0 || string(v) == "null":
		p.mu.Lock()
		kinds := p.kinds()
		kind := kinds[p.rng.IntN(len(kinds))]
		p.mu.Unlock()
		g = p.grudgeOfKind(ctx, kind)
	case v[0] == '"':
		var kind string
		if err := json.Unmarshal(v, &kind); err != nil {
			return nil, fmt.Errorf("nemesis: partition value %s: %v", v, err)
		}
		if kind == IsolatePrimaries {
			if _, ok := p.env.Target.(targets.Primaries); !ok {
				return nil, fmt.Errorf("nemesis: partition %q: the target does not say which nodes are its primaries", kind)
			}
			g = p.grudgeOfKind(ctx, kind)
			break
		}
		p.mu.Lock()
		var err error
		g, err = MakeGrudge(kind, p.rng, p.env.Nodes)
		p.mu.Unlock()
		if err != nil {
			return nil, err
		}
	default:
		if err := json.Unmarshal(v, &g); err != nil {
			return nil, fmt.Errorf("nemesis: partition value %s is neither a grudge kind nor a grudge object: %v", v, err)
		}
		for a, peers := range g {
			for _, n := range append([]string{a}, peers...) {
				if !slices.Contains(p.env.Nodes, n) {
					return nil, fmt.Errorf("nemesis: grudge names node %q, which is not in the cluster (%s)", n, strings.Join(p.env.Nodes, ", "))
				}
			}
			if slices.Contains(peers, a) {
				return nil, fmt.Errorf("nemesis: grudge has node %q drop itself", a)
			}
		}
		g = g.normalize()
	}
	if g.Empty() {
		return nil, fmt.Errorf("nemesis: partition value %s over %d nodes cuts nothing; refusing a fault that would not take effect", orNull(v), len(p.env.Nodes))
	}
	return g, nil
}

// grudgeOfKind makes a grudge of a kind the nemesis draws: the primaries'
// isolation (one node at random when the target cannot tell), or one of
// MakeGrudge's.
func (p *Partition) grudgeOfKind(ctx context.Context, kind string) Grudge {
	if kind == IsolatePrimaries {
		if g := p.primariesGrudge(ctx); g != nil {
			return g
		}
		kind = "isolate-one"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, _ := MakeGrudge(kind, p.rng, p.env.Nodes)
	return g
}

func orNull(v json.RawMessage) string {
	if len(v) == 0 {
		return "null"
	}
	return string(v)
}

// ipt is an iptables command, as root, waiting for the xtables lock.
func ipt(args ...string) control.Cmd {
	return control.Cmd{Argv: append([]string{"iptables", "-w"}, args...), Sudo: true}
}

// absent reports whether err is iptables saying the rule or chain asked
// about does not exist (exit 1 for a missing rule or chain listing, 2 for
// a check naming a missing chain). Anything else is a real error.
func absent(err error) bool {
	var ee *control.ExitError
	return errors.As(err, &ee) && (ee.Code == 1 || ee.Code == 2)
}

// run runs cmd on node and names the node in any error.
func (p *Partition) run(ctx context.Context, node string, cmd control.Cmd) (string, error) {
	res, err := p.env.Remotes[node].Run(ctx, cmd)
	if err != nil {
		return string(res.Stdout), fmt.Errorf("nemesis: node %q: %w", node, err)
	}
	return string(res.Stdout), nil
}

// listChain returns `iptables -S FAULTLINE` on node, or exists=false when
// the chain is not there.
func (p *Partition) listChain(ctx context.Context, node string) (rules string, exists bool, err error) {
	out, err := p.run(ctx, node, ipt("-S", Chain))
	if absent(err) {
		return "", false, nil
	}
	return out, err == nil, err
}

// hasJump reports whether INPUT jumps to our chain on node.
func (p *Partition) hasJump(ctx context.Context, node string) (bool, error) {
	_, err := p.run(ctx, node, ipt("-C", "INPUT", "-j", Chain))
	if absent(err) {
		return false, nil
	}
	return err == nil, err
}

// eachNode runs f on every node in parallel and joins the errors in node order.
func (p *Partition) eachNode(f func(i int, node string) error) error {
	errs := make([]error, len(p.env.Nodes))
	var wg sync.WaitGroup
	for i, n := range p.env.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i, n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// addrsOf maps the nodes a node drops to their addresses.
func (p *Partition) addrsOf(peers []string) []string {
	ips := make([]string, len(peers))
	for i, n := range peers {
		ips[i] = netip.MustParseAddr(p.env.Addrs[n]).Unmap().String()
	}
	return ips
}

// Apply makes every node's chain hold exactly its grudge: the chain is
// created (or flushed: it is ours), INPUT jumps to it at position 1 unless
// it already does, and one DROP rule per dropped peer address is appended.
func (p *Partition) Apply(ctx context.Context, g Grudge) error {
	return p.eachNode(func(i int, node string) error {
		_, exists, err := p.listChain(ctx, node)
		if err != nil {
			return err
		}
		if exists {
			_, err = p.run(ctx, node, ipt("-F", Chain))
		} else {
			_, err = p.run(ctx, node, ipt("-N", Chain))
		}
		if err != nil {
			return err
		}
		jumped, err := p.hasJump(ctx, node)
		if err != nil {
			return err
		}
		if !jumped {
			if _, err := p.run(ctx, node, ipt("-I", "INPUT", "1", "-j", Chain)); err != nil {
				return err
			}
		}
		for _, ip := range p.addrsOf(g[node]) {
			if _, err := p.run(ctx, node, ipt("-A", Chain, "-s", ip, "-j", "DROP")); err != nil {
				return err
			}
		}
		return nil
	})
}

// parseChain reads `iptables -S FAULTLINE` into the set of dropped source
// addresses; any rule of another shape is an error (the chain is ours).
func parseChain(out string) ([]string, error) {
	var ips []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || (len(f) == 2 && f[0] == "-N" && f[1] == Chain):
		case len(f) == 6 && f[0] == "-A" && f[1] == Chain && f[2] == "-s" && f[4] == "-j" && f[5] == "DROP":
			ips = append(ips, strings.TrimSuffix(f[3], "/32"))
		default:
			return nil, fmt.Errorf("unexpected rule %q", line)
		}
	}
	slices.Sort(ips)
	return ips, nil
}

// Verify checks that the grudge is in effect: on every node the chain lists
// exactly the grudge's DROP rules and INPUT jumps to it; then a probe from
// one node that drops a peer finds that peer's sshd port unreachable, after
// a control probe to a peer it does not drop (when it has one) connects.
func (p *Partition) Verify(ctx context.Context, g Grudge) error {
	err := p.eachNode(func(i int, node string) error {
		out, exists, err := p.listChain(ctx, node)
		if err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("nemesis: node %q: chain %s is missing after it was applied", node, Chain)
		}
		got, err := parseChain(out)
		if err != nil {
			return fmt.Errorf("nemesis: node %q: chain %s: %v", node, Chain, err)
		}
		want := p.addrsOf(g[node])
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("nemesis: node %q: chain %s drops %v, grudge says %v", node, Chain, got, want)
		}
		jumped, err := p.hasJump(ctx, node)
		if err != nil {
			return err
		}
		if !jumped {
			return fmt.Errorf("nemesis: node %q: INPUT does not jump to %s", node, Chain)
		}
		return nil
	})
	if err != nil {
		return err
	}
	from, cut, open, ok := probePair(g, p.env.Nodes)
	if !ok {
		return nil
	}
	if open != "" {
		reached, err := p.probe(ctx, from, open)
		if err != nil {
			return err
		}
		if !reached {
			return fmt.Errorf("nemesis: cannot verify partition: %s cannot reach %s (%s:%s) either, though the grudge leaves them connected", from, open, p.env.Addrs[open], probePort)
		}
	}
	reached, err := p.probe(ctx, from, cut)
	if err != nil {
		return err
	}
	if reached {
		return fmt.Errorf("nemesis: partition not in effect: %s still reaches %s (%s:%s)", from, cut, p.env.Addrs[cut], probePort)
	}
	return nil
}

// probePair picks, in node order, a node that drops some peer (cut),
// preferring one that also has a peer it is connected to (open, for a
// control probe). ok is false when the grudge cuts nothing.
func probePair(g Grudge, nodes []string) (from, cut, open string, ok bool) {
	for _, a := range nodes {
		if len(g[a]) == 0 {
			continue
		}
		for _, b := range nodes {
			if b != a && !g.Drops(a, b) && !g.Drops(b, a) {
				return a, g[a][0], b, true
			}
		}
		if !ok {
			from, cut, ok = a, g[a][0], true
		}
	}
	return from, cut, "", ok
}

// probeArgv dials ip:22 over TCP from bash, giving up after one second. The
// address is a positional parameter ($0), never part of the script.
func probeArgv(ip string) []string {
	return []string{"timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/$0/" + probePort, ip}
}

// probe reports whether from can open a TCP connection to to's sshd port.
func (p *Partition) probe(ctx context.Context, from, to string) (bool, error) {
	_, err := p.env.Remotes[from].Run(ctx, control.Cmd{Argv: probeArgv(p.env.Addrs[to])})
	var ee *control.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee):
		return false, nil
	}
	return false, fmt.Errorf("nemesis: probe from %q to %q: %w", from, to, err)
}

// Heal removes every trace of faultline's firewall on every node: each
// INPUT jump to the chain (however many), then the chain's rules and the
// chain itself. It is idempotent; it fails only when a node cannot be
// reached or iptables refuses.
func (p *Partition) Heal(ctx context.Context) error {
	return p.eachNode(func(i int, node string) error {
		// Bounded: each round removes one jump, and nobody adds 100.
		for range 100 {
			jumped, err := p.hasJump(ctx, node)
			if err != nil {
				return err
			}
			if !jumped {
				break
			}
			if _, err := p.run(ctx, node, ipt("-D", "INPUT", "-j", Chain)); err != nil {
				return err
			}
		}
		_, exists, err := p.listChain(ctx, node)
		if err != nil || !exists {
			return err
		}
		if _, err := p.run(ctx, node, ipt("-F", Chain)); err != nil {
			return err
		}
		_, err = p.run(ctx, node, ipt("-X", Chain))
		return err
	})
}

// Residue describes what faultline's firewall left on each node ("n1:
// INPUT jumps to FAULTLINE", "n1: chain FAULTLINE exists: ..."); nil means
// clean. Teardown calls it after Heal to prove nothing was left.
func (p *Partition) Residue(ctx context.Context) ([]string, error) {
	found := make([][]string, len(p.env.Nodes))
	err := p.eachNode(func(i int, node string) error {
		jumped, err := p.hasJump(ctx, node)
		if err != nil {
			return err
		}
		if jumped {
			found[i] = append(found[i], fmt.Sprintf("%s: INPUT jumps to %s", node, Chain))
		}
		out, exists, err := p.listChain(ctx, node)
		if err != nil {
			return err
		}
		if exists {
			rules := strings.Join(strings.Split(strings.TrimSpace(out), "\n"), "; ")
			found[i] = append(found[i], fmt.Sprintf("%s: chain %s exists: %s", node, Chain, rules))
		}
		return nil
	})
	return slices.Concat(found...), err
}
