package cli

import (
	"os"

	"github.com/faultline/faultline/targets/deploy"
	"github.com/faultline/faultline/targets/etcd"
)

// defaultEtcdBinary is where Debian's etcd-server package installs etcd.
const defaultEtcdBinary = "/usr/bin/etcd"

// etcdBinaryPath finds the etcd binary to upload to the nodes.
func etcdBinaryPath(flag string) (string, error) {
	if flag != "" {
		if _, err := os.Stat(flag); err != nil {
			return "", badInput("--etcd-binary %s: %v", flag, err)
		}
		return flag, nil
	}
	if _, err := os.Stat(defaultEtcdBinary); err != nil {
		return "", badInput("etcd binary %s not found on the controller: install Debian's etcd-server (apt-get install etcd-server, or make setup), or pass --etcd-binary PATH", defaultEtcdBinary)
	}
	return defaultEtcdBinary, nil
}

// buildEtcd builds the etcd target: one member per node, reads
// linearizable (mode linearizable) or served locally by any member (mode
// serializable).
func buildEtcd(b *buildEnv) (*builtTarget, error) {
	faults, err := parseNemeses(b.o.nemeses)
	if err != nil {
		return nil, err
	}
	for _, f := range faults {
		if f == "clock" {
			// nemesis.NewClock would refuse it too (etcd is no Clocker);
			// this says why in etcd's terms.
			return nil, badInput("--nemesis clock cannot run on target etcd: etcd reads the kernel clock, which a namespace node shares with the host (faultline never changes the host clock), and the clock nemesis can only skew faultline-node's clock file; use partition, kill or pause")
		}
	}
	bin, err := etcdBinaryPath(b.o.etcdBinary)
	if err != nil {
		return nil, err
	}
	c := &etcd.Cluster{Binary: bin, Nodes: b.nodes, Daemon: deploy.Daemon{Name: "etcd", Sudo: b.sudo}}
	serializable := b.mode == "serializable"
	return &builtTarget{
		target:   c,
		process:  c,
		client:   func(node string) any { return etcd.NewClient(c.ClientURL(node), b.o.opTimeout, serializable) },
		definite: etcd.Definite,
		daemon:   c.Daemon,
	}, nil
}
