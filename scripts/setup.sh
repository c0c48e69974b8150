#!/usr/bin/env bash
# Installs what faultline needs on a Debian machine, if it is missing:
# openssh-server (the nodes' sshd), openssh-client, iptables, iproute2,
# procps, util-linux, sudo (the any-hosts test's non-root user), etcd-server
# (the etcd target's binary), redis-server and redis-sentinel (the Redis
# example), zookeeper and python3-kazoo (the ZooKeeper example), vagrant (validates vagrant/Vagrantfile; no VM
# is booted) and chromium (for the web UI's browser tests); then downloads
# the Go modules. Idempotent.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
have /usr/sbin/sshd || need+=(openssh-server)
have ssh-keyscan || need+=(openssh-client)
have iptables || need+=(iptables)
have ip || need+=(iproute2)
have ps || need+=(procps)
have unshare || need+=(util-linux)
have setsid || need+=(util-linux)
have /usr/bin/sudo || need+=(sudo)
have /usr/bin/etcd || need+=(etcd-server)
have vagrant || need+=(vagrant)
# The examples under examples/ test Debian's own packages.
have /usr/bin/redis-server || need+=(redis-server)
have /usr/bin/redis-sentinel || need+=(redis-sentinel)
[ -r /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
[ -r /usr/lib/python3/dist-packages/kazoo/__init__.py ] || need+=(python3-kazoo)
# The web UI's browser tests drive Debian's headless chromium.
have /usr/bin/chromium || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing ${need[*]}; run as root (or: sudo apt-get install ${need[*]})" >&2
		exit 1
	fi
	echo "setup: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	# etcd-server enables a system etcd where systemd runs; faultline only
	# uploads the binary to its nodes, so keep that service off.
	if [[ " ${need[*]} " == *" etcd-server "* ]] && [ -d /run/systemd/system ]; then
		systemctl disable --now etcd >/dev/null 2>&1 || true
	fi
	# The same for the examples' packages: faultline starts its own.
	if [ -d /run/systemd/system ]; then
		for svc in redis-server redis-sentinel zookeeper; do
			systemctl disable --now "$svc" >/dev/null 2>&1 || true
		done
	fi
fi
# sshd wants its privilege-separation directory.
mkdir -p /run/sshd 2>/dev/null || true
if ! command -v go >/dev/null 2>&1; then
	echo "setup: go not found on PATH (install Go 1.26 or newer, e.g. /usr/local/go/bin)" >&2
	exit 1
fi
go mod download
# Each example under examples/ is its own module, with its own go.sum.
for m in examples/*/go.mod; do
	[ -e "$m" ] || continue
	(cd "$(dirname "$m")" && go mod download)
done
