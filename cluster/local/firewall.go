package local

import (
	"context"
	"os"
	"strings"
)

// With br_netfilter loaded and bridge-nf-call-iptables=1, frames crossing
// our bridge traverse the host's iptables FORWARD chain. When that chain
// could drop them (a policy other than ACCEPT, or any rule at all, e.g.
// Docker's), Up lets the bridge's own traffic through with one jump into a
// chain it owns; Down removes both. Host rules we did not create are never
// touched, and nothing is routed off the machine (ip_forward is left as is).

// bridgeTrafficFiltered reports whether the host firewall sees bridged IPv4.
func bridgeTrafficFiltered() bool {
	data, err := os.ReadFile("/proc/sys/net/bridge/bridge-nf-call-iptables")
	return err == nil && strings.TrimSpace(string(data)) == "1"
}

// forwardNeedsRule decides, from `iptables -S FORWARD`, whether bridged
// traffic might be dropped. Jumps into our own chains do not count.
func forwardNeedsRule(rules string) bool {
	for _, line := range strings.Split(rules, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "-P FORWARD"):
			if line != "-P FORWARD ACCEPT" {
				return true
			}
		case strings.HasPrefix(line, "-A FORWARD") && strings.Contains(line, "-j FAULTLINE-BR-"):
		default:
			return true
		}
	}
	return false
}

func jumpRule(bridge, chain string) []string {
	return []string{"FORWARD", "-i", bridge, "-o", bridge, "-j", chain}
}

// ensureForward installs the jump and the chain when the host's FORWARD
// chain could drop bridged frames, and reports the chain it owns ("" when
// none was needed).
func ensureForward(ctx context.Context, t tools, bridge, chain string) (string, error) {
	if !bridgeTrafficFiltered() {
		return "", nil
	}
	rules, err := output(ctx, t.iptables, "-w", "-S", "FORWARD")
	if err != nil {
		return "", err
	}
	if !forwardNeedsRule(rules) {
		return "", nil
	}
	if run(ctx, t.iptables, "-w", "-S", chain) != nil {
		if err := run(ctx, t.iptables, "-w", "-N", chain); err != nil {
			return "", err
		}
	}
	if run(ctx, t.iptables, "-w", "-C", chain, "-j", "ACCEPT") != nil {
		if err := run(ctx, t.iptables, "-w", "-A", chain, "-j", "ACCEPT"); err != nil {
			return "", err
		}
	}
	jump := jumpRule(bridge, chain)
	if run(ctx, append([]string{t.iptables, "-w", "-C"}, jump...)...) != nil {
		args := append([]string{t.iptables, "-w", "-I", jump[0], "1"}, jump[1:]...)
		if err := run(ctx, args...); err != nil {
			return "", err
		}
	}
	return chain, nil
}

// removeForward deletes the jump and the chain if they exist.
func removeForward(ctx context.Context, t tools, bridge, chain string) error {
	jump := jumpRule(bridge, chain)
	for i := 0; i < 100 && run(ctx, append([]string{t.iptables, "-w", "-C"}, jump...)...) == nil; i++ {
		if err := run(ctx, append([]string{t.iptables, "-w", "-D"}, jump...)...); err != nil {
			return err
		}
	}
	if run(ctx, t.iptables, "-w", "-S", chain) != nil {
		return nil
	}
	// Our own chain: flushing it touches nothing of anyone else.
	if err := run(ctx, t.iptables, "-w", "-F", chain); err != nil {
		return err
	}
	return run(ctx, t.iptables, "-w", "-X", chain)
}
