package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/faultline/faultline/cluster"
)

// Defaults of Options.
const (
	DefaultName   = "default"
	DefaultNodes  = 5
	DefaultSubnet = "198.18.0.0/24"
	// MaxNodes bounds Options.Nodes: a local cluster is for tests, and every
	// node is an sshd and a network namespace.
	MaxNodes = 64
)

// Options configure Up. Zero values mean the defaults; Nodes and Subnet of
// an existing cluster are kept when left zero.
type Options struct {
	// Name tells clusters apart ("default"): [a-z0-9-], at most 32 chars.
	Name string
	// Nodes is the number of nodes, named n1..nN (default 5).
	Nodes int
	// Subnet is an IPv4 prefix (default 198.18.0.0/24): the bridge is at
	// .1 and node i at .10+i.
	Subnet string
	// StateDir holds keys, known_hosts, nodes.yaml, cluster.json and the
	// node directories. Default StateDir(Name). Down, Status, Exists and
	// Load look only at StateDir(name), so leave it empty unless the
	// caller also overrides FAULTLINE_HOME the same way.
	StateDir string
}

var clusterNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func checkName(name string) error {
	if !clusterNameRE.MatchString(name) {
		return cluster.BadInputf("cluster/local: cluster name %q is not valid (use 1 to 32 lower-case letters, digits and -, e.g. default)", name)
	}
	return nil
}

// StateRoot is where local clusters keep their state: $FAULTLINE_HOME/clusters
// when FAULTLINE_HOME is set, else /var/lib/faultline/clusters.
func StateRoot() string {
	if h := os.Getenv("FAULTLINE_HOME"); h != "" {
		return filepath.Join(h, "clusters")
	}
	return "/var/lib/faultline/clusters"
}

// StateDir is the state directory of the local cluster name.
func StateDir(name string) string { return filepath.Join(StateRoot(), name) }

// NodesFilePath is the nodes file that Up writes for the cluster name: the
// default nodes file of every command run without --nodes-file.
func NodesFilePath(name string) string { return filepath.Join(StateDir(name), "nodes.yaml") }

// names are the host-side names derived from a cluster name. Interface
// names are limited to 15 bytes, so they carry a hash of the name.
type names struct {
	cluster string
	hash    string // 6 hex digits of sha256(name)
}

func namesOf(cluster string) names {
	sum := sha256.Sum256([]byte(cluster))
	return names{cluster: cluster, hash: hex.EncodeToString(sum[:])[:6]}
}

func (n names) bridge() string { return "flb-" + n.hash }

// vethPrefix is the host end's name without the node number.
func (n names) vethPrefix() string  { return "flv" + n.hash[:5] + "n" }
func (n names) veth(i int) string   { return n.vethPrefix() + strconv.Itoa(i) }
func (n names) netnsPrefix() string { return "fl-" + n.cluster + "-n" }
func (n names) netns(i int) string  { return n.netnsPrefix() + strconv.Itoa(i) }

// Interfaces get fixed MAC addresses (locally administered, from the
// hash), so a node whose veth is re-created, or a bridge whose ports
// change, keeps its MAC and no neighbour cache goes stale.
func (n names) mac(kind, i int) string {
	return fmt.Sprintf("02:%s:%s:%s:%02x:%02x", n.hash[0:2], n.hash[2:4], n.hash[4:6], kind, i)
}
func (n names) bridgeMAC() string    { return n.mac(0, 1) }
func (n names) nodeMAC(i int) string { return n.mac(1, i) }
func (n names) vethMAC(i int) string { return n.mac(2, i) }
func (n names) chain() string        { return "FAULTLINE-BR-" + n.hash }
func nodeName(i int) string          { return "n" + strconv.Itoa(i) }

// indexAfter returns i when s is prefix followed by the decimal i >= 1, else 0.
func indexAfter(prefix, s string) int {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || rest[0] == '0' {
		return 0
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 1 || strconv.Itoa(i) != rest {
		return 0
	}
	return i
}

// subnet is a parsed Options.Subnet.
type subnet struct{ prefix netip.Prefix }

func parseSubnet(s string, nodes int) (subnet, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return subnet{}, cluster.BadInputf("cluster/local: subnet %q is not an IPv4 prefix (write e.g. 198.18.1.0/24)", s)
	}
	if p.Masked() != p {
		return subnet{}, cluster.BadInputf("cluster/local: subnet %q has host bits set (write %s)", s, p.Masked())
	}
	hosts := 1<<(32-p.Bits()) - 2
	if 10+nodes > hosts {
		return subnet{}, cluster.BadInputf("cluster/local: subnet %s is too small for %d nodes at .11 to .%d (use a /24)", s, nodes, 10+nodes)
	}
	return subnet{p}, nil
}

func (s subnet) String() string { return s.prefix.String() }

// host returns the address at offset i in the subnet.
func (s subnet) host(i int) netip.Addr {
	a := s.prefix.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (s subnet) bridgeAddr() netip.Addr { return s.host(1) }
func (s subnet) nodeAddr(i int) netip.Addr {
	return s.host(10 + i)
}

// cidr is addr/bits, the form ip addr wants.
func (s subnet) cidr(a netip.Addr) string { return fmt.Sprintf("%s/%d", a, s.prefix.Bits()) }
