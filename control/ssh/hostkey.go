package ssh

import (
	"errors"
	"fmt"
	"net"
	"os"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyCheck builds the host key callback for cfg and the host key
// algorithms to offer: those of the keys known_hosts has for the address, so
// that a server with several host keys is asked for one we can verify (and a
// mismatch then really is a changed key).
func hostKeyCheck(cfg Config) (gossh.HostKeyCallback, []string, error) {
	if cfg.InsecureIgnoreHostKey {
		cfg.Logger.Warn("control/ssh: host key NOT checked (insecure-ignore-host-keys)", "node", cfg.Node, "addr", cfg.addr())
		return gossh.InsecureIgnoreHostKey(), nil, nil
	}
	file := cfg.KnownHostsFile
	if file == "" {
		return nil, nil, &classedError{
			msg:   fmt.Sprintf("control/ssh: %s (%s): no known_hosts file given (pass one, or --insecure-ignore-host-keys)", cfg.Node, cfg.addr()),
			class: ErrHostKey,
		}
	}
	if _, err := os.Stat(file); err != nil {
		return nil, nil, &classedError{
			msg:   fmt.Sprintf("control/ssh: %s (%s): known_hosts file %s: %v (create it, e.g. with ssh-keyscan, or pass --insecure-ignore-host-keys)", cfg.Node, cfg.addr(), file, errors.Unwrap(err)),
			class: ErrHostKey, cause: err,
		}
	}
	check, err := knownhosts.New(file)
	if err != nil {
		return nil, nil, &classedError{
			msg:   fmt.Sprintf("control/ssh: %s (%s): known_hosts file %s: %v", cfg.Node, cfg.addr(), file, err),
			class: ErrHostKey, cause: err,
		}
	}
	node, addr := cfg.Node, cfg.addr()
	callback := func(hostname string, remote net.Addr, key gossh.PublicKey) error {
		err := check(hostname, remote, key)
		if err == nil {
			return nil
		}
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
			return &classedError{
				msg: fmt.Sprintf("control/ssh: %s (%s): host key not in known_hosts %s (add it, e.g. with ssh-keyscan, or pass --insecure-ignore-host-keys)",
					node, addr, file),
				class: ErrHostKey, cause: err,
			}
		case errors.As(err, &keyErr):
			return &classedError{
				msg: fmt.Sprintf("control/ssh: %s (%s): host key CHANGED: server offers %s %s, known_hosts %s line %d has another (possible man-in-the-middle; remove the old line from %s if the key was rotated)",
					node, addr, key.Type(), gossh.FingerprintSHA256(key), file, keyErr.Want[0].Line, file),
				class: ErrHostKey, cause: err,
			}
		case errors.As(err, &revoked):
			return &classedError{
				msg:   fmt.Sprintf("control/ssh: %s (%s): host key %s is REVOKED in %s line %d", node, addr, gossh.FingerprintSHA256(key), file, revoked.Revoked.Line),
				class: ErrHostKey, cause: err,
			}
		default:
			return &classedError{
				msg:   fmt.Sprintf("control/ssh: %s (%s): host key check: %v", node, addr, err),
				class: ErrHostKey, cause: err,
			}
		}
	}
	return callback, knownAlgorithms(check, addr), nil
}

// knownAlgorithms asks the known_hosts callback which keys it holds for addr
// by presenting a key it cannot know, and maps them to algorithm names.
func knownAlgorithms(check gossh.HostKeyCallback, addr string) []string {
	probe := probeKey{}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	var remote net.Addr = &net.TCPAddr{IP: net.IPv4zero}
	if err == nil {
		remote = tcp
	}
	var keyErr *knownhosts.KeyError
	if !errors.As(check(addr, remote, probe), &keyErr) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, k := range keyErr.Want {
		switch t := k.Key.Type(); t {
		case gossh.KeyAlgoRSA:
			add(gossh.KeyAlgoRSASHA512)
			add(gossh.KeyAlgoRSASHA256)
			add(gossh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// probeKey is a public key no known_hosts file contains.
type probeKey struct{}

func (probeKey) Type() string { return "faultline-probe" }
func (probeKey) Marshal() []byte {
	return []byte("\x00\x00\x00\x0ffaultline-probe")
}
func (probeKey) Verify([]byte, *gossh.Signature) error {
	return errors.New("control/ssh: probe key verifies nothing")
}
