package local

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/crypto/ssh"
)

// ensureKey returns the ed25519 key at path, generating it (mode 0600, and
// path.pub when pub is set) if it does not exist yet. Keys are generated
// here, never copied from the host's ~/.ssh or /etc/ssh.
func ensureKey(path, comment string, pub bool) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		s, perr := ssh.ParsePrivateKey(data)
		if perr == nil {
			if pub {
				if err := writeFileAtomic(path+".pub", ssh.MarshalAuthorizedKey(s.PublicKey()), 0o644); err != nil {
					return nil, err
				}
			}
			return s, nil
		}
		// A damaged key (e.g. a crash mid-write before we wrote atomically)
		// is replaced: every file that trusts it is rewritten by Up.
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cluster/local: generating %s: %w", path, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("cluster/local: encoding %s: %w", path, err)
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("cluster/local: %w", err)
	}
	if pub {
		if err := writeFileAtomic(path+".pub", ssh.MarshalAuthorizedKey(s.PublicKey()), 0o644); err != nil {
			return nil, err
		}
	}
	return s, nil
}
