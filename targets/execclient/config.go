package execclient

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultMaxLine is the longest answer line accepted when Config.MaxLine is
// zero, in bytes (the newline excluded).
const DefaultMaxLine = 16 << 20

// Config describes the client program and the node it is bound to.
type Config struct {
	// Argv is the program and its arguments, already templated by the
	// caller. Argv[0] is looked up in PATH when it holds no slash; a relative
	// path with a slash is taken relative to Dir.
	Argv []string
	// Env is extra environment, KEY=VALUE, added to faultline's own. The
	// FAULTLINE_* variables below are set after it and win.
	Env []string
	// Dir is the program's working directory ("" is faultline's).
	Dir string
	// Node and Address are the node this client is bound to, given to the
	// program as FAULTLINE_NODE and FAULTLINE_ADDRESS. Node is required: it
	// also fills an op's empty node and names the log files.
	Node, Address string
	// Nodes optionally lists every node as "name=address", given to the
	// program as FAULTLINE_NODES, comma-separated.
	Nodes []string
	// LogDir is where each process's log is kept (see the package doc),
	// created if missing. Required.
	LogDir string
	// MaxLine bounds one stdout line in bytes (0: DefaultMaxLine); a longer
	// line is garbage and is streamed to the log, never held in memory.
	MaxLine int
	// StartCheck, when positive, makes New start the program at once and
	// wait this long: if it exits meanwhile (a wrong path, a syntax error),
	// New returns the exit status and the tail of its log instead of a
	// client that would turn every op into an info. Zero: the program starts
	// at the first Invoke.
	StartCheck time.Duration
}

// validate checks cfg and returns the environment of the program.
func (cfg *Config) validate() ([]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("execclient: node %q: %s", cfg.Node, fmt.Sprintf(format, args...))
	}
	if len(cfg.Argv) == 0 || cfg.Argv[0] == "" {
		return nil, bad("Argv names no program")
	}
	if cfg.Node == "" {
		return nil, bad("Node is empty")
	}
	if cfg.LogDir == "" {
		return nil, bad("LogDir is empty: the program's stderr must be kept somewhere")
	}
	if cfg.MaxLine < 0 {
		return nil, bad("MaxLine %d is negative", cfg.MaxLine)
	}
	if cfg.StartCheck < 0 {
		return nil, bad("StartCheck %v is negative", cfg.StartCheck)
	}
	for _, kv := range cfg.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, bad("Env entry %q is not KEY=VALUE", kv)
		}
	}
	for _, n := range cfg.Nodes {
		if name, _, ok := strings.Cut(n, "="); !ok || name == "" || strings.Contains(n, ",") {
			return nil, bad("Nodes entry %q is not name=address (without commas)", n)
		}
	}
	if cfg.Dir != "" {
		if fi, err := os.Stat(cfg.Dir); err != nil {
			return nil, bad("Dir: %v", err)
		} else if !fi.IsDir() {
			return nil, bad("Dir %s is not a directory", cfg.Dir)
		}
	}
	prog := cfg.Argv[0]
	if strings.Contains(prog, "/") && !filepath.IsAbs(prog) && cfg.Dir != "" {
		prog = filepath.Join(cfg.Dir, prog)
	}
	if _, err := exec.LookPath(prog); err != nil {
		return nil, bad("program: %v", err)
	}
	if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
		return nil, bad("LogDir: %v", err)
	}
	env := append(os.Environ(), cfg.Env...)
	env = append(env,
		"FAULTLINE_NODE="+cfg.Node,
		"FAULTLINE_ADDRESS="+cfg.Address,
		"FAULTLINE_NODES="+strings.Join(cfg.Nodes, ","))
	return env, nil
}

func (cfg *Config) maxLine() int {
	if cfg.MaxLine == 0 {
		return DefaultMaxLine
	}
	return cfg.MaxLine
}
