package ssh

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// Config says how to reach one node. Zero values mean the defaults noted on
// each field; explicit fields win over ~/.ssh/config.
type Config struct {
	Node string // name for errors and logs; defaults to Host
	Host string // address or ~/.ssh/config alias
	Port int    // default: ~/.ssh/config Port, else 22
	User string // default: ~/.ssh/config User, else $USER, else root

	// IdentityFile is a private key (unencrypted; encrypted keys go through
	// the agent). Default: ~/.ssh/config IdentityFile.
	IdentityFile string
	// KnownHostsFile holds the accepted host keys. Default:
	// ~/.ssh/known_hosts. Host keys are always checked against it unless
	// InsecureIgnoreHostKey is set.
	KnownHostsFile        string
	InsecureIgnoreHostKey bool

	DialTimeout    time.Duration // TCP connect + SSH handshake; default 10s
	KeepAlive      time.Duration // keepalive interval; default 15s, <0 disables
	CommandTimeout time.Duration // per Run when > 0, on top of the caller's ctx

	UseAgent bool // offer the keys of the agent at SSH_AUTH_SOCK, when set

	// SSHConfigFile is an OpenSSH client config whose HostName, Port, User
	// and IdentityFile apply to Host. Default: ~/.ssh/config when present;
	// "none" disables it.
	SSHConfigFile string

	Logger *slog.Logger // default slog.Default()
}

const (
	defaultDialTimeout = 10 * time.Second
	defaultKeepAlive   = 15 * time.Second
)

// resolve fills the defaults and applies the ssh client config.
func (c Config) resolve() (Config, error) {
	if c.Host == "" {
		return c, fmt.Errorf("control/ssh: node %q: no host", c.Node)
	}
	if c.Node == "" {
		c.Node = c.Host
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = defaultDialTimeout
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = defaultKeepAlive
	}
	home, _ := os.UserHomeDir()
	if err := c.applySSHConfig(home); err != nil {
		return c, err
	}
	if c.Port == 0 {
		c.Port = 22
	}
	if c.Port < 0 || c.Port > 65535 {
		return c, fmt.Errorf("control/ssh: node %q: bad port %d", c.Node, c.Port)
	}
	if c.User == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			c.User = u.Username
		} else if env := os.Getenv("USER"); env != "" {
			c.User = env
		} else {
			c.User = "root"
		}
	}
	c.IdentityFile = expandHome(c.IdentityFile, home)
	if c.KnownHostsFile == "" && home != "" {
		c.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	c.KnownHostsFile = expandHome(c.KnownHostsFile, home)
	return c, nil
}

// applySSHConfig honours HostName, Port, User and IdentityFile of the host
// alias in the ssh client config, for fields not set explicitly.
func (c *Config) applySSHConfig(home string) error {
	file := c.SSHConfigFile
	if file == "none" {
		return nil
	}
	explicit := file != ""
	if !explicit {
		if home == "" {
			return nil
		}
		file = filepath.Join(home, ".ssh", "config")
	}
	f, err := os.Open(file)
	if err != nil {
		if !explicit && os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("control/ssh: node %q: ssh config: %w", c.Node, err)
	}
	defer f.Close()
	sc, err := ssh_config.Decode(f)
	if err != nil {
		return fmt.Errorf("control/ssh: node %q: ssh config %s: %w", c.Node, file, err)
	}
	alias := c.Host
	get := func(key string) string {
		v, _ := sc.Get(alias, key)
		return strings.TrimSpace(v)
	}
	if v := get("HostName"); v != "" {
		c.Host = strings.ReplaceAll(v, "%h", alias)
	}
	if v := get("Port"); v != "" && c.Port == 0 {
		p, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("control/ssh: node %q: ssh config %s: bad Port %q for %s", c.Node, file, v, alias)
		}
		c.Port = p
	}
	if v := get("User"); v != "" && c.User == "" {
		c.User = v
	}
	if v := get("IdentityFile"); v != "" && c.IdentityFile == "" {
		c.IdentityFile = v
	}
	return nil
}

func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func expandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}
