package local

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/faultline/faultline/cluster"
)

func TestNamesFitInterfaceNames(t *testing.T) {
	for _, name := range []string{"default", "a", strings.Repeat("z", 32), "t12345"} {
		nm := namesOf(name)
		for _, ifc := range []string{nm.bridge(), nm.veth(1), nm.veth(MaxNodes)} {
			if len(ifc) > 15 {
				t.Errorf("cluster %q: interface name %q is longer than 15", name, ifc)
			}
		}
		if indexAfter(nm.netnsPrefix(), nm.netns(12)) != 12 || indexAfter(nm.vethPrefix(), nm.veth(7)) != 7 {
			t.Errorf("cluster %q: names do not round-trip", name)
		}
	}
	for _, m := range []string{namesOf("default").bridgeMAC(), namesOf("default").nodeMAC(MaxNodes), namesOf("x").vethMAC(3)} {
		hw, err := net.ParseMAC(m)
		if err != nil || hw[0] != 0x02 {
			t.Errorf("MAC %q is not a locally administered unicast address: %v", m, err)
		}
	}
	if namesOf("a").bridge() == namesOf("b").bridge() {
		t.Error("two names share a bridge")
	}
	// Cluster "a"'s prefix must not claim the namespaces of cluster "a-n1".
	if i := indexAfter(namesOf("a").netnsPrefix(), namesOf("a-n1").netns(2)); i != 0 {
		t.Errorf("cluster a claims a-n1's netns as node %d", i)
	}
	for _, s := range []string{"", "0", "01", "1x", "-1"} {
		if indexAfter("p", "p"+s) != 0 {
			t.Errorf("indexAfter accepted %q", s)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"default", "a", "ci-7", strings.Repeat("x", 32)} {
		if err := checkName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "A", "a_b", "a/b", strings.Repeat("x", 33), "a b"} {
		if err := checkName(bad); !errors.Is(err, cluster.ErrBadInput) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestParseSubnet(t *testing.T) {
	s, err := parseSubnet("198.18.0.0/24", 5)
	if err != nil {
		t.Fatal(err)
	}
	if s.bridgeAddr().String() != "198.18.0.1" || s.nodeAddr(1).String() != "198.18.0.11" || s.nodeAddr(5).String() != "198.18.0.15" {
		t.Errorf("addresses: %s %s %s", s.bridgeAddr(), s.nodeAddr(1), s.nodeAddr(5))
	}
	if s.cidr(s.bridgeAddr()) != "198.18.0.1/24" {
		t.Errorf("cidr %s", s.cidr(s.bridgeAddr()))
	}
	if s, err := parseSubnet("10.0.0.0/16", 3); err != nil || s.nodeAddr(3).String() != "10.0.0.13" {
		t.Errorf("/16: %v %v", s, err)
	}
	for _, bad := range []struct {
		subnet string
		nodes  int
		want   string
	}{
		{"198.18.0.0", 5, "not an IPv4 prefix"},
		{"fd00::/64", 5, "not an IPv4 prefix"},
		{"198.18.0.5/24", 5, "host bits set (write 198.18.0.0/24)"},
		{"198.18.0.0/29", 5, "too small for 5 nodes"},
		{"198.18.0.0/28", 5, "too small for 5 nodes"},
	} {
		_, err := parseSubnet(bad.subnet, bad.nodes)
		if err == nil || !errors.Is(err, cluster.ErrBadInput) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: got %v, want %q", bad.subnet, err, bad.want)
		}
	}
	if _, err := parseSubnet("198.18.0.0/27", 5); err != nil {
		t.Errorf("/27 holds .11-.15: %v", err)
	}
}

func TestForwardNeedsRule(t *testing.T) {
	cases := []struct {
		rules string
		want  bool
	}{
		{"-P FORWARD ACCEPT\n", false},
		{"-P FORWARD DROP\n", true},
		{"-P FORWARD ACCEPT\n-A FORWARD -j DOCKER-USER\n", true},
		{"-P FORWARD ACCEPT\n-A FORWARD -i flb-abcdef -o flb-abcdef -j FAULTLINE-BR-abcdef\n", false},
		{"-P FORWARD DROP\n-A FORWARD -i flb-abcdef -o flb-abcdef -j FAULTLINE-BR-abcdef\n", true},
	}
	for _, c := range cases {
		if got := forwardNeedsRule(c.rules); got != c.want {
			t.Errorf("%q: got %v, want %v", c.rules, got, c.want)
		}
	}
}

func TestSSHDConfigQuotesPaths(t *testing.T) {
	cfg := sshdConfigText("/var/lib/fl x/nodes/n1", "/var/lib/fl x", "198.18.0.11")
	for _, want := range []string{
		`HostKey "/var/lib/fl x/nodes/n1/ssh_host_ed25519_key"`,
		`AuthorizedKeysFile "/var/lib/fl x/authorized_keys"`,
		"ListenAddress 198.18.0.11:22",
		"UsePAM no",
		"PermitRootLogin prohibit-password",
	} {
		if !strings.Contains(cfg, want+"\n") {
			t.Errorf("sshd_config lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "/etc/ssh") {
		t.Errorf("sshd_config refers to the host's /etc/ssh")
	}
}
