// Package ssh is the control.Remote for real nodes: OpenSSH servers reached
// with golang.org/x/crypto/ssh, files moved with SFTP.
//
// Contract:
//   - Host keys are always checked against a known_hosts file; an unknown or
//     changed key is refused with a one-line error saying what to do
//     (ErrHostKey). Only Config.InsecureIgnoreHostKey skips the check, and it
//     logs a warning.
//   - The remote command line is built from argv by control.Quote, nothing
//     else; Sudo prefixes "sudo -n --" unless the user is root. argv runs
//     under a tiny fixed sh wrapper (`exec "$@"`) that first reports its PID
//     on stderr (stripped from the result): OpenSSH ignores signal requests
//     on root logins, so the PID is how a cancelled command gets killed.
//     As a bonus argv[0] is never in shell command position, so a first
//     word like "if" or "A=b" stays a program name.
//   - A command that exits non-zero returns *control.ExitError. Unreachable
//     nodes and lost connections wrap control.ErrTransport; failed logins
//     (ErrAuth) and refused host keys are not transport errors.
//   - After a transport error the next call redials, a few times with
//     backoff. A call is retried only while its command certainly has not
//     started; a command that may have run is never run twice.
//   - A cancelled ctx kills the remote command's process group (SIGKILL,
//     from a second session) and closes its session in the background; Run
//     returns at once, even if the server stalls.
//   - Keepalives detect a dead connection and close it.
//   - Upload is atomic: temporary file in the target directory, mode,
//     SHA-256 read back, posix-rename.
//   - A Remote is safe for concurrent use.
//
// Example:
//
//	r, err := ssh.Dial(ctx, ssh.Config{
//		Node: "n1", Host: "198.18.0.11", User: "root",
//		IdentityFile: "id_ed25519", KnownHostsFile: "known_hosts",
//	})
//	if err != nil {
//		return err
//	}
//	defer r.Close()
//	out, err := control.Exec(ctx, r, true, "iptables", "-S")
package ssh
