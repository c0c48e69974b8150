// Package local is the control.Remote for this machine: argv runs through
// os/exec directly (no shell), and transfers are atomic file copies.
//
// It serves unit tests and single-machine use. Cmd.Sudo prefixes
// "sudo -n --" unless the process already runs as root. A cancelled ctx
// kills the command's whole process group.
//
// Example:
//
//	r := local.New("n1")
//	out, err := control.Exec(ctx, r, false, "uname", "-r")
package local
