package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// authMethods collects the identity file's key and, with UseAgent, the
// agent's keys. The returned closer releases the agent socket.
func authMethods(cfg Config) ([]gossh.AuthMethod, func(), error) {
	var signers []gossh.Signer
	if cfg.IdentityFile != "" {
		pem, err := os.ReadFile(cfg.IdentityFile)
		if err != nil {
			if !(cfg.UseAgent && os.Getenv("SSH_AUTH_SOCK") != "") || !os.IsNotExist(err) {
				return nil, nil, &classedError{
					msg:   fmt.Sprintf("control/ssh: %s: identity file: %v", cfg.Node, err),
					class: ErrAuth, cause: err,
				}
			}
		} else {
			signer, err := gossh.ParsePrivateKey(pem)
			var missing *gossh.PassphraseMissingError
			switch {
			case errors.As(err, &missing) && cfg.UseAgent && os.Getenv("SSH_AUTH_SOCK") != "":
				// the agent is expected to hold it
			case errors.As(err, &missing):
				return nil, nil, &classedError{
					msg:   fmt.Sprintf("control/ssh: %s: identity file %s is passphrase-protected (load it into ssh-agent and enable the agent)", cfg.Node, cfg.IdentityFile),
					class: ErrAuth, cause: err,
				}
			case err != nil:
				return nil, nil, &classedError{
					msg:   fmt.Sprintf("control/ssh: %s: identity file %s: %v", cfg.Node, cfg.IdentityFile, err),
					class: ErrAuth, cause: err,
				}
			default:
				signers = append(signers, signer)
			}
		}
	}
	closer := func() {}
	var methods []gossh.AuthMethod
	if len(signers) > 0 {
		methods = append(methods, gossh.PublicKeys(signers...))
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); cfg.UseAgent && sock != "" {
		c, err := net.Dial("unix", sock)
		if err != nil {
			cfg.Logger.Warn("control/ssh: ssh-agent unreachable", "node", cfg.Node, "socket", sock, "err", err)
		} else {
			closer = func() { c.Close() }
			methods = append(methods, gossh.PublicKeysCallback(agent.NewClient(c).Signers))
		}
	}
	if len(methods) == 0 {
		closer()
		return nil, nil, &classedError{
			msg:   fmt.Sprintf("control/ssh: %s: no key to log in with (give an identity file, or run ssh-agent and enable the agent)", cfg.Node),
			class: ErrAuth,
		}
	}
	return methods, closer, nil
}

// dial opens one authenticated connection. DialTimeout (and ctx) bound the
// TCP connect and the SSH handshake together.
func dial(ctx context.Context, cfg Config) (*gossh.Client, error) {
	check, algos, err := hostKeyCheck(cfg)
	if err != nil {
		return nil, err
	}
	auth, closeAgent, err := authMethods(cfg)
	if err != nil {
		return nil, err
	}
	defer closeAgent()

	addr := cfg.addr()
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	var d net.Dialer
	tcp, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, transportErr(fmt.Sprintf("control/ssh: %s (%s): unreachable: no TCP connection within %s", cfg.Node, addr, cfg.DialTimeout), err)
		}
		return nil, transportErr(fmt.Sprintf("control/ssh: %s (%s): unreachable: %v", cfg.Node, addr, err), err)
	}
	// The handshake has no context of its own: a deadline on the socket
	// bounds it, and a cancelled ctx closes the socket.
	tcp.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { tcp.SetDeadline(time.Unix(1, 0)) })

	var (
		mu         sync.Mutex
		hostKeyErr error
	)
	clientCfg := &gossh.ClientConfig{
		User: cfg.User,
		Auth: auth,
		HostKeyCallback: func(hostname string, remote net.Addr, key gossh.PublicKey) error {
			err := check(hostname, remote, key)
			mu.Lock()
			hostKeyErr = err
			mu.Unlock()
			return err
		},
		HostKeyAlgorithms: algos,
		Timeout:           cfg.DialTimeout,
	}
	sc, chans, reqs, err := gossh.NewClientConn(tcp, addr, clientCfg)
	stopped := stop()
	if err == nil && !stopped {
		// ctx ended just as the handshake finished: honour ctx.
		sc.Close()
		err = ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		tcp.Close()
		switch {
		case hostKeyErr != nil:
			return nil, hostKeyErr
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &classedError{
				msg:   fmt.Sprintf("control/ssh: %s (%s): user %q: authentication failed (is the key in the node's authorized_keys?): %v", cfg.Node, addr, cfg.User, err),
				class: ErrAuth, cause: err,
			}
		case !stopped && ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
			return nil, transportErr(fmt.Sprintf("control/ssh: %s (%s): handshake cancelled", cfg.Node, addr), ctx.Err())
		case isTimeout(err):
			return nil, transportErr(fmt.Sprintf("control/ssh: %s (%s): no SSH handshake within %s (is sshd running there?)", cfg.Node, addr, cfg.DialTimeout), err)
		default:
			return nil, transportErr(fmt.Sprintf("control/ssh: %s (%s): handshake: %v", cfg.Node, addr, err), err)
		}
	}
	tcp.SetDeadline(time.Time{})
	return gossh.NewClient(sc, chans, reqs), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}
