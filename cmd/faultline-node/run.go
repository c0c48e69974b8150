package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/builtin"
)

// Exit codes (package exitcode).
const (
	exitOK      = exitcode.Valid
	exitFailure = exitcode.Failure  // the role failed at run time (store unreadable, port taken, ...)
	exitBadArgs = exitcode.BadInput // bad flags: a one-line error, no stack trace
)

// version is set at link time (-ldflags "-X main.version=..."); otherwise
// the module version from the build info is used.
var version = ""

// options are the parsed command-line flags, shared by every role.
type options struct {
	Role        string
	ID          string
	Listen      string
	Peers       map[string]string // id -> host:port, this node included
	Data        string
	ClockFile   string // the node clock's skew file (targets/clock)
	Mode        string
	OpTimeout   time.Duration
	PeerTimeout time.Duration
	LogLevel    slog.Level
}

// A role runs one kind of node: a built-in target's Role, named after the
// target, with its modes. A new role is a target package with a Role and
// one line in targets/builtin.
type role struct {
	modes []string
	serve func(ctx context.Context, o targets.RoleOptions, ln net.Listener, log *slog.Logger) error
}

var roles = func() map[string]role {
	m := map[string]role{}
	for _, t := range builtin.Targets {
		if t.Role != nil {
			m[t.Name] = role{modes: t.Modes.Names(), serve: t.Role.Serve}
		}
	}
	return m
}()

func run(args []string, stdout, stderr io.Writer) int {
	o, showVersion, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage())
			return exitOK
		}
		fmt.Fprintf(stderr, "faultline-node: %v\n", err)
		return exitBadArgs
	}
	if showVersion {
		fmt.Fprintf(stdout, "faultline-node %s\n", buildVersion())
		return exitOK
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.LogLevel})).With("node", o.ID, "role", o.Role)
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		log.Error("faultline-node: listen", "addr", o.Listen, "err", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Info("faultline-node: starting", "version", buildVersion(), "listen", ln.Addr().String(), "mode", o.Mode, "data", o.Data, "pid", os.Getpid())
	if err := roles[o.Role].serve(ctx, o.role(), ln, log); err != nil {
		log.Error("faultline-node: stopped", "err", err)
		return exitFailure
	}
	log.Info("faultline-node: stopped")
	return exitOK
}

func parseFlags(args []string) (o options, showVersion bool, err error) {
	fs := flag.NewFlagSet("faultline-node", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Role, "role", "", "the role to run: "+strings.Join(roleNames(), " | "))
	fs.StringVar(&o.ID, "id", "", "this node's name, e.g. n1")
	fs.StringVar(&o.Listen, "listen", "0.0.0.0:7000", "host:port to serve the HTTP API on")
	peers := fs.String("peers", "", "every node of the cluster as id=host:port,... (this node included); default: this node alone")
	fs.StringVar(&o.Data, "data", "/opt/faultline/data", "data directory (the durable state)")
	fs.StringVar(&o.ClockFile, "clock-file", "", "the node clock's skew file (default: clock next to the data directory)")
	fs.StringVar(&o.Mode, "mode", "", "the role's mode, the first its default ("+modeHelp()+")")
	fs.DurationVar(&o.OpTimeout, "op-timeout", time.Second, "deadline of one client operation, retries included")
	fs.DurationVar(&o.PeerTimeout, "peer-timeout", 500*time.Millisecond, "deadline of one round phase")
	level := fs.String("log-level", "info", "debug | info | warn | error")
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if showVersion {
		return o, true, nil
	}
	if fs.NArg() > 0 {
		return o, false, fmt.Errorf("unexpected argument %q (all options are flags)", fs.Arg(0))
	}
	r, ok := roles[o.Role]
	switch {
	case o.Role == "":
		return o, false, fmt.Errorf("--role is required (%s)", strings.Join(roleNames(), ", "))
	case !ok:
		return o, false, fmt.Errorf("unknown --role %q (want %s)", o.Role, strings.Join(roleNames(), ", "))
	}
	if o.Mode == "" {
		o.Mode = r.modes[0]
	}
	if !slices.Contains(r.modes, o.Mode) {
		return o, false, fmt.Errorf("role %s has no --mode %q (want %s)", o.Role, o.Mode, strings.Join(r.modes, ", "))
	}
	if o.ID == "" {
		return o, false, errors.New("--id is required, e.g. --id n1")
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return o, false, fmt.Errorf("--listen %q: want host:port", o.Listen)
	}
	if o.Data == "" {
		return o, false, errors.New("--data is empty")
	}
	if o.ClockFile == "" {
		o.ClockFile = filepath.Join(filepath.Dir(filepath.Clean(o.Data)), "clock")
	}
	if o.OpTimeout <= 0 || o.PeerTimeout <= 0 {
		return o, false, errors.New("--op-timeout and --peer-timeout must be positive")
	}
	if err := o.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return o, false, fmt.Errorf("--log-level %q: want debug, info, warn or error", *level)
	}
	o.Peers, err = parsePeers(*peers, o.ID, o.Listen)
	return o, false, err
}

// parsePeers reads "n1=host:port,n2=host:port". An empty list means a
// cluster of this node alone.
func parsePeers(s, self, listen string) (map[string]string, error) {
	peers := map[string]string{}
	if strings.TrimSpace(s) == "" {
		peers[self] = listen
		return peers, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, addr, ok := strings.Cut(item, "=")
		if !ok || id == "" {
			return nil, fmt.Errorf("--peers item %q: want id=host:port", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("--peers item %q: address %q is not host:port", item, addr)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("--peers names node %q twice", id)
		}
		peers[id] = addr
	}
	if _, ok := peers[self]; !ok {
		return nil, fmt.Errorf("--peers does not include this node %q", self)
	}
	return peers, nil
}

func roleNames() []string {
	var names []string
	for n := range roles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// modeHelp lists every role's modes.
func modeHelp() string {
	var parts []string
	for _, n := range roleNames() {
		parts = append(parts, n+": "+strings.Join(roles[n].modes, " | "))
	}
	return strings.Join(parts, "; ")
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func usage() string {
	return `usage: faultline-node --role ROLE --id n1 --listen 0.0.0.0:7000 \
           --peers n1=198.18.0.11:7000,n2=198.18.0.12:7000,... \
           --data /opt/faultline/data [--clock-file /opt/faultline/clock] [--mode MODE]

roles and modes: ` + modeHelp() + `
flags: --role --id --listen --peers --data --clock-file --mode --op-timeout
       --peer-timeout --log-level --version
Logs go to stderr; SIGTERM or SIGINT shut down gracefully. Bad flags exit 254.
`
}

// role is what the role's Serve sees of the flags.
func (o options) role() targets.RoleOptions {
	return targets.RoleOptions{
		ID: o.ID, Listen: o.Listen, Peers: o.Peers, Data: o.Data, ClockFile: o.ClockFile,
		Mode: o.Mode, OpTimeout: o.OpTimeout, PeerTimeout: o.PeerTimeout,
	}
}
