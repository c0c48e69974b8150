// Package local builds the local cluster (docs/design.md, "The local cluster"):
// N nodes on this machine, each a network + mount + PID + UTS namespace
// running its own sshd, joined by one bridge.
//
// Layout, for cluster NAME with subnet S (default 198.18.0.0/24):
//   - bridge flb-<hash6> at S.1; node i at S.(10+i), in netns fl-NAME-n<i>,
//     reached through veth flv<hash5>n<i> (its eth0 inside). Interface
//     names carry a hash of NAME because Linux limits them to 15 bytes.
//   - node i runs `ip netns exec fl-NAME-n<i> unshare --mount --pid --uts
//     --fork --mount-proc`, then as PID 1 of its PID namespace: hostname
//     n<i>, STATE/nodes/n<i>/opt bind-mounted on /opt/faultline,
//     STATE/nodes/n<i>/home on /root, and `sshd -D` with host key,
//     authorized_keys and config from STATE, never from /etc/ssh or ~/.ssh.
//     Killing that sshd ends every process of the node. It is started in
//     its own session, so it outlives the faultline command.
//   - STATE (StateDir: $FAULTLINE_HOME/clusters/NAME, default
//     /var/lib/faultline/clusters/NAME) holds id_ed25519(.pub), known_hosts,
//     nodes.yaml (NodesFilePath), cluster.json (names, subnet, sshd PIDs)
//     and nodes/n<i>/ (sshd_config, host key, sshd.log, opt/, home/).
//   - When the host's firewall would filter bridged frames
//     (bridge-nf-call-iptables=1 and a FORWARD chain that is not a bare
//     ACCEPT), Up adds one jump into its own chain FAULTLINE-BR-<hash6>,
//     which Down removes; no other host rule is touched.
//
// Contract: Up is idempotent (a second Up leaves live nodes alone and
// restarts dead ones); Down removes everything Up made, even after a crash
// and without cluster.json; Status probes each node up to an SSH handshake
// with host-key checking. All of them need root (ErrPrerequisite
// otherwise); Load and Exists do not.
//
// Example:
//
//	nf, err := local.Up(ctx, local.Options{Name: "default", Nodes: 5})
//	// ... run tests against nf ...
//	sts, err := local.Status(ctx, "default")
//	err = local.Down(ctx, "default")
package local
