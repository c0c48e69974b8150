#!/usr/bin/env bash
# Makes faultline's Vagrant cluster usable: the controller's key, the VMs,
# and the nodes file.
#
#   ./cluster.sh key     make .faultline/id_ed25519 (once; kept)
#   ./cluster.sh up      key + vagrant up + nodes
#   ./cluster.sh nodes   write .faultline/nodes.yaml and .faultline/known_hosts
#                        from the running VMs (host keys read over vagrant ssh,
#                        never trusted from the network)
#   ./cluster.sh down    vagrant destroy -f (the key stays)
#
# Same environment knobs as the Vagrantfile (FAULTLINE_NODES, FAULTLINE_SUBNET).
set -euo pipefail
cd "$(dirname "$0")"
state=.faultline
nodes=${FAULTLINE_NODES:-5}
subnet=${FAULTLINE_SUBNET:-192.168.56}

key() {
	mkdir -p "$state"
	chmod 700 "$state"
	if [ ! -f "$state/id_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C faultline-vagrant -f "$state/id_ed25519"
	fi
}

write_nodes() {
	local kh="$state/known_hosts.tmp" nf="$state/nodes.yaml.tmp"
	: >"$kh"
	{
		echo "# faultline nodes file for the Vagrant cluster (written by vagrant/cluster.sh)"
		echo "user: root"
		echo "identity: id_ed25519"
		echo "known_hosts: known_hosts"
		echo "nodes:"
	} >"$nf"
	for i in $(seq 1 "$nodes"); do
		local name="n$i" addr="$subnet.$((10 + i))" hostkey
		# The host key comes over vagrant's own channel to the VM, so a
		# machine answering on the private network cannot plant its key.
		hostkey=$(vagrant ssh "$name" -c 'cat /etc/ssh/ssh_host_ed25519_key.pub' 2>/dev/null | tr -d '\r' | awk '{print $1, $2}')
		case "$hostkey" in
		ssh-ed25519\ *) ;;
		*)
			echo "cluster.sh: could not read $name's host key (is it up? vagrant status)" >&2
			exit 1
			;;
		esac
		echo "$addr $hostkey" >>"$kh"
		echo "  - {name: $name, address: $addr}" >>"$nf"
	done
	mv "$kh" "$state/known_hosts"
	mv "$nf" "$state/nodes.yaml"
	echo "nodes file: $PWD/$state/nodes.yaml"
	echo "try: faultline test --nodes-file $PWD/$state/nodes.yaml --target register --nemesis partition,kill --time-limit 60s"
}

case "${1:-}" in
key) key ;;
up)
	key
	vagrant up
	write_nodes
	;;
nodes) write_nodes ;;
down) vagrant destroy -f ;;
*)
	echo "usage: $0 key|up|nodes|down" >&2
	exit 254
	;;
esac
