// Package e2e holds the end-to-end tests: they build faultline and
// faultline-node, bring up their own local namespace cluster (own name, own
// subnet, own state directory), run real tests with faults through the CLI,
// assert the verdicts in both directions, and tear the cluster down even
// when they fail. They need root, iproute2, iptables and openssh-server
// (make setup installs them).
package e2e
