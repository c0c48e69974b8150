package nemesis

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
)

func newTestPartition(t *testing.T, n int) (*fakeNet, *Partition) {
	t.Helper()
	f, env := newFakeNet(n)
	p, err := NewPartition(env, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

func startOp(value string) history.Op {
	op := history.Op{Process: history.Nemesis, Type: history.Invoke, F: "start-partition"}
	if value != "" {
		op.Value = json.RawMessage(value)
	}
	return op
}

// checkOnlyOurRules fails if any iptables command touched anything but our
// chain and the one INPUT jump to it.
func checkOnlyOurRules(t *testing.T, logs []string) {
	t.Helper()
	for _, l := range logs {
		if strings.HasPrefix(l, "timeout ") {
			continue
		}
		ok := slices.Contains([]string{
			"sudo iptables -w -S FAULTLINE", "sudo iptables -w -N FAULTLINE",
			"sudo iptables -w -F FAULTLINE", "sudo iptables -w -X FAULTLINE",
			"sudo iptables -w -C INPUT -j FAULTLINE", "sudo iptables -w -I INPUT 1 -j FAULTLINE",
			"sudo iptables -w -D INPUT -j FAULTLINE",
		}, l) || (strings.HasPrefix(l, "sudo iptables -w -A FAULTLINE -s 198.18.0.") && strings.HasSuffix(l, " -j DROP"))
		if !ok {
			t.Errorf("command outside faultline's chain: %q", l)
		}
	}
}

func TestPartitionApplyExactArgv(t *testing.T) {
	f, p := newTestPartition(t, 3)
	ctx := context.Background()
	done := p.Invoke(ctx, startOp(`{"n1":["n3"],"n3":["n1"]}`))
	if done.Type != history.OK {
		t.Fatalf("start-partition = %s %q", done.Type, done.Error)
	}
	if string(done.Value) != `{"n1":["n3"],"n3":["n1"]}` {
		t.Fatalf("completion value %s", done.Value)
	}
	want := []string{
		// apply
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -N FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
		"sudo iptables -w -I INPUT 1 -j FAULTLINE",
		"sudo iptables -w -A FAULTLINE -s 198.18.0.13 -j DROP",
		// verify
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
		// probes from n1: control to n2 (connected), then n3 (cut)
		"timeout 1 bash -c exec 3<>/dev/tcp/$0/22 198.18.0.12",
		"timeout 1 bash -c exec 3<>/dev/tcp/$0/22 198.18.0.13",
	}
	if got := f.logOf("n1"); !slices.Equal(got, want) {
		t.Fatalf("n1 ran:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// n2 drops nothing: chain and jump exist but hold no rule.
	wantN2 := []string{
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -N FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
		"sudo iptables -w -I INPUT 1 -j FAULTLINE",
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
	}
	if got := f.logOf("n2"); !slices.Equal(got, wantN2) {
		t.Fatalf("n2 ran:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantN2, "\n"))
	}
	f.logOf("n3")

	// A second partition on a node that already has the chain and jump
	// flushes our chain and inserts no second jump.
	done = p.Invoke(ctx, startOp(`{"n1":["n2"],"n2":["n1"]}`))
	if done.Type != history.OK {
		t.Fatalf("second start-partition = %s %q", done.Type, done.Error)
	}
	got := f.logOf("n1")
	wantApply := []string{
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -F FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
		"sudo iptables -w -A FAULTLINE -s 198.18.0.12 -j DROP",
	}
	if !slices.Equal(got[:4], wantApply) {
		t.Fatalf("n1 re-apply ran:\n%s", strings.Join(got, "\n"))
	}
	if n1 := f.nodes["n1"]; n1.jumps != 1 || !slices.Equal(n1.rules, []string{"198.18.0.12"}) {
		t.Fatalf("n1 state after re-apply: jumps %d rules %v", n1.jumps, n1.rules)
	}
}

func TestPartitionKindsMatchFirewall(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{3, 5, 7} {
		for _, kind := range append(GrudgeKinds(), "") {
			f, p := newTestPartition(t, n)
			value := ""
			if kind != "" {
				value = `"` + kind + `"`
			}
			done := p.Invoke(ctx, startOp(value))
			if done.Type != history.OK {
				t.Fatalf("%d nodes, kind %q: %s %q", n, kind, done.Type, done.Error)
			}
			var g Grudge
			if err := json.Unmarshal(done.Value, &g); err != nil || g.Empty() {
				t.Fatalf("kind %q: value %s: %v", kind, done.Value, err)
			}
			// The firewall of every node holds exactly its grudge.
			for name, x := range f.nodes {
				var want []string
				for _, peer := range g[name] {
					want = append(want, f.nodes[peer].ip)
				}
				got := slices.Clone(x.rules)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) || x.jumps != 1 {
					t.Fatalf("kind %q: %s rules %v jumps %d, grudge %v", kind, name, x.rules, x.jumps, g)
				}
				checkOnlyOurRules(t, f.logOf(name))
			}
			if err := p.Heal(ctx); err != nil {
				t.Fatal(err)
			}
			if res, err := p.Residue(ctx); err != nil || res != nil {
				t.Fatalf("residue after heal: %v %v", res, err)
			}
		}
	}
}

func TestPartitionHealAndResidue(t *testing.T) {
	f, p := newTestPartition(t, 3)
	ctx := context.Background()
	// Leftovers of a killed controller: three jumps and a rule on n2.
	n2 := f.nodes["n2"]
	n2.chain, n2.jumps, n2.rules = true, 3, []string{"198.18.0.11"}
	res, err := p.Residue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"n2: INPUT jumps to FAULTLINE",
		"n2: chain FAULTLINE exists: -N FAULTLINE; -A FAULTLINE -s 198.18.0.11/32 -j DROP",
	}
	if !slices.Equal(res, want) {
		t.Fatalf("residue = %q, want %q", res, want)
	}
	f.logOf("n1")
	f.logOf("n2")

	op := p.Invoke(ctx, history.Op{Process: history.Nemesis, Type: history.Invoke, F: "stop-partition"})
	if op.Type != history.OK {
		t.Fatalf("stop-partition = %s %q", op.Type, op.Error)
	}
	if n2.chain || n2.jumps != 0 || n2.rules != nil {
		t.Fatalf("n2 not clean: %+v", n2)
	}
	wantN2 := []string{
		"sudo iptables -w -C INPUT -j FAULTLINE", "sudo iptables -w -D INPUT -j FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE", "sudo iptables -w -D INPUT -j FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE", "sudo iptables -w -D INPUT -j FAULTLINE",
		"sudo iptables -w -C INPUT -j FAULTLINE",
		"sudo iptables -w -S FAULTLINE",
		"sudo iptables -w -F FAULTLINE",
		"sudo iptables -w -X FAULTLINE",
	}
	if got := f.logOf("n2"); !slices.Equal(got, wantN2) {
		t.Fatalf("n2 heal ran:\n%s", strings.Join(got, "\n"))
	}
	// Clean node: two look-ups, nothing changed. Healing twice is fine.
	wantClean := []string{"sudo iptables -w -C INPUT -j FAULTLINE", "sudo iptables -w -S FAULTLINE"}
	if got := f.logOf("n1"); !slices.Equal(got, wantClean) {
		t.Fatalf("n1 heal ran:\n%s", strings.Join(got, "\n"))
	}
	if err := p.Heal(ctx); err != nil {
		t.Fatalf("second heal: %v", err)
	}
	if got := f.logOf("n2"); !slices.Equal(got, wantClean) {
		t.Fatalf("n2 second heal ran:\n%s", strings.Join(got, "\n"))
	}
}

func TestPartitionUnreachableNode(t *testing.T) {
	f, p := newTestPartition(t, 3)
	ctx := context.Background()
	f.nodes["n3"].down = true
	err := p.Heal(ctx)
	if err == nil || !strings.Contains(err.Error(), `node "n3"`) || !strings.Contains(err.Error(), "nemesis:") {
		t.Fatalf("heal with n3 down: %v", err)
	}
	// The other nodes were still healed (attempted).
	if len(f.logOf("n1")) == 0 {
		t.Fatal("n1 not healed when n3 was down")
	}
	if _, err := p.Residue(ctx); err == nil {
		t.Fatal("residue with n3 down: no error")
	}
	done := p.Invoke(ctx, startOp(`"halves"`))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n3"`) || len(done.Value) == 0 {
		t.Fatalf("start with n3 down = %s %q value %s", done.Type, done.Error, done.Value)
	}
}

func TestPartitionVerifyCatchesIneffectiveRules(t *testing.T) {
	ctx := context.Background()
	f, p := newTestPartition(t, 3)
	f.nodes["n1"].ignoreAppend = true
	done := p.Invoke(ctx, startOp(`{"n1":["n3"],"n3":["n1"]}`))
	if done.Type != history.Info || !strings.Contains(done.Error, `node "n1": chain FAULTLINE drops []`) {
		t.Fatalf("lost rule: %s %q", done.Type, done.Error)
	}

	f, p = newTestPartition(t, 3)
	f.nodes["n1"].leaky = true
	done = p.Invoke(ctx, startOp(`{"n1":["n3"],"n3":["n1"]}`))
	if done.Type != history.Info || !strings.Contains(done.Error, "n1 still reaches n3") {
		t.Fatalf("leaky firewall: %s %q", done.Type, done.Error)
	}
	if string(done.Value) != `{"n1":["n3"],"n3":["n1"]}` {
		t.Fatalf("info should still carry the grudge, got %s", done.Value)
	}
}

func TestPartitionRefusesBadValues(t *testing.T) {
	ctx := context.Background()
	for _, v := range []string{`"split-brain"`, `{"n1":["n9"]}`, `{"n1":["n1"]}`, `{}`, `42`} {
		f, p := newTestPartition(t, 3)
		done := p.Invoke(ctx, startOp(v))
		if done.Type != history.Info || done.Error == "" {
			t.Fatalf("value %s: %s %q", v, done.Type, done.Error)
		}
		for _, n := range []string{"n1", "n2", "n3"} {
			if got := f.logOf(n); len(got) != 0 {
				t.Fatalf("value %s: %s ran %q", v, n, got)
			}
		}
	}
	// Two nodes have no majorities ring: refused, not silently skipped.
	_, p := newTestPartition(t, 2)
	if done := p.Invoke(ctx, startOp(`"majorities-ring"`)); done.Type != history.Info || !strings.Contains(done.Error, "cuts nothing") {
		t.Fatalf("empty grudge: %s %q", done.Type, done.Error)
	}
	if done := p.Invoke(ctx, history.Op{F: "pause"}); done.Type != history.Info {
		t.Fatalf("unknown f: %s", done.Type)
	}
}

func TestNewPartitionChecksEnv(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := map[string]func(*Env){
		"no remote":  func(e *Env) { delete(e.Remotes, "n2") },
		"hostname":   func(e *Env) { e.Addrs["n2"] = "n2.example" },
		"ipv6":       func(e *Env) { e.Addrs["n2"] = "fd00::2" },
		"duplicate":  func(e *Env) { e.Addrs["n2"] = e.Addrs["n1"] },
		"no address": func(e *Env) { delete(e.Addrs, "n3") },
	}
	for name, breakIt := range cases {
		_, env := newFakeNet(3)
		breakIt(&env)
		if _, err := NewPartition(env, rng); err == nil || !strings.HasPrefix(err.Error(), "nemesis: partition: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	_, env := newFakeNet(3)
	if _, err := NewPartition(env, nil); err == nil {
		t.Error("nil rng accepted")
	}
}

func TestProbeArgvKeepsAddressOutOfScript(t *testing.T) {
	argv := probeArgv("198.18.0.12")
	if argv[4] != "exec 3<>/dev/tcp/$0/22" || argv[5] != "198.18.0.12" {
		t.Fatalf("probe argv %q", argv)
	}
	// As a remote would run it: the address stays one quoted word.
	if q := control.Quote(probeArgv("1.2.3.4; reboot")); !strings.HasSuffix(q, `'1.2.3.4; reboot'`) {
		t.Fatalf("quoted probe %s", q)
	}
}

func TestParseChain(t *testing.T) {
	ips, err := parseChain("-N FAULTLINE\n-A FAULTLINE -s 198.18.0.12/32 -j DROP\n-A FAULTLINE -s 198.18.0.11/32 -j DROP\n")
	if err != nil || !slices.Equal(ips, []string{"198.18.0.11", "198.18.0.12"}) {
		t.Fatalf("parseChain = %v, %v", ips, err)
	}
	if _, err := parseChain("-N FAULTLINE\n-A FAULTLINE -p tcp -j ACCEPT\n"); err == nil {
		t.Fatal("foreign rule in our chain accepted")
	}
}
