// Package vagrant holds no Go code: it is the home of faultline's Vagrant
// cluster (Vagrantfile, provision.sh, cluster.sh; see README.md), and its
// test validates those files without booting a VM (`vagrant validate
// --ignore-provider` when Vagrant is installed, shell syntax always).
package vagrant
