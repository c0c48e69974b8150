// Package cluster describes the nodes under test: the nodes file (docs/design.md,
// "Nodes file") that every command reads to find its nodes, and, in
// cluster/local, the local namespace cluster that writes one.
//
// Contract:
//   - LoadNodesFile validates as it reads: unknown fields, a node without a
//     name or address, a duplicate name, a bad port are one-line errors
//     naming the file, the line and the fix, and wrap ErrBadInput (the CLI's
//     exit code 254). A missing user means root.
//   - Identity and KnownHosts are relative to the nodes file's directory;
//     IdentityPath and KnownHostsPath resolve them.
//   - WriteNodesFile replaces a nodes file atomically.
//
// Example:
//
//	nf, err := cluster.LoadNodesFile("nodes.yaml")
//	if err != nil {
//		return err // e.g. cluster: nodes file nodes.yaml line 4: node "n6" has no address (add address: IP)
//	}
//	for _, n := range nf.Nodes {
//		fmt.Println(n.Name, n.Address, n.PortOr22(), nf.IdentityPath())
//	}
package cluster
