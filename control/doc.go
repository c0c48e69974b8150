// Package control runs commands on nodes and moves files to and from them.
//
// The Remote interface is the one seam between the harness and a node. A
// command is always an argv, quoted here; nothing builds command lines by
// string concatenation. Implementations live in subpackages: ssh (real SSH
// with host-key checking and SFTP), local (this machine) and dummy (records
// commands for unit tests).
//
//	out, err := control.Exec(ctx, remote, true, "iptables", "-S")
package control
