#!/bin/sh
# Provisions one faultline node (run by Vagrant as root, once per VM):
# installs what the harness uses on a node and authorises the controller's
# key for root. $1 is the controller's public key (vagrant/.faultline/id_ed25519.pub).
set -eu
key=${1:-}
if [ -z "$key" ]; then
	echo "provision: no controller key; run ./cluster.sh key (or ./cluster.sh up) before vagrant up" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# sshd (control), iptables (partitions), iproute2 (netem), procps (pkill,
# ps for kill/pause), sudo (for a non-root nodes-file user), util-linux
# (setsid for detached daemons).
apt-get update -qq
apt-get install -y -qq --no-install-recommends openssh-server iptables iproute2 procps sudo util-linux >/dev/null
install -d -m 0700 /root/.ssh
touch /root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
grep -qxF "$key" /root/.ssh/authorized_keys || printf '%s\n' "$key" >> /root/.ssh/authorized_keys
# Key-only root logins (Debian's default, made explicit).
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\n' > /etc/ssh/sshd_config.d/faultline.conf
systemctl reload ssh || systemctl restart ssh
install -d -m 0755 /opt/faultline
echo "provision: $(hostname) ready for faultline"
