package ssh

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolveSSHConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	os.WriteFile(conf, []byte(`Host db*
  HostName 10.0.0.%h
  Port 2222
  User alice
  IdentityFile ~/.ssh/db_key
Host *
  User bob
`), 0o600)
	t.Setenv("HOME", dir)

	c, err := Config{Host: "db1", SSHConfigFile: conf}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.Node != "db1" || c.Host != "10.0.0.db1" || c.Port != 2222 || c.User != "alice" ||
		c.IdentityFile != filepath.Join(dir, ".ssh/db_key") || c.KnownHostsFile != filepath.Join(dir, ".ssh/known_hosts") {
		t.Errorf("resolved %+v", c)
	}
	// Explicit fields win over the file.
	c, err = Config{Node: "n1", Host: "db1", Port: 22, User: "root", IdentityFile: "/k", SSHConfigFile: conf}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 22 || c.User != "root" || c.IdentityFile != "/k" || c.Node != "n1" {
		t.Errorf("explicit fields overridden: %+v", c)
	}
	c, _ = Config{Host: "web"}.resolve() // no ~/.ssh/config in HOME: defaults
	if c.Port != 22 || c.Host != "web" || c.DialTimeout != defaultDialTimeout || c.KeepAlive != defaultKeepAlive {
		t.Errorf("defaults: %+v", c)
	}
	os.MkdirAll(filepath.Join(dir, ".ssh"), 0o700)
	os.Rename(conf, filepath.Join(dir, ".ssh", "config")) // now the default file
	if c, _ := (Config{Host: "web"}).resolve(); c.User != "bob" {
		t.Errorf("~/.ssh/config not read by default: user %q", c.User)
	}
	if c, _ := (Config{Host: "web", SSHConfigFile: "none"}).resolve(); c.User == "bob" {
		t.Error(`SSHConfigFile "none" still read the file`)
	}
	if _, err := (Config{Host: "x", SSHConfigFile: filepath.Join(dir, "missing")}).resolve(); err == nil {
		t.Error("missing explicit ssh config accepted")
	}
	if _, err := (Config{}).resolve(); err == nil {
		t.Error("config without host accepted")
	}
}
