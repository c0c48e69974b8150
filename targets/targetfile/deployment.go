package targetfile

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/deploy"
)

// Grace periods of the daemon's Stop in Setup (an old daemon) and the
// bounds of one readiness probe.
const (
	setupGrace   = 2 * time.Second
	tcpProbe     = time.Second
	commandProbe = 5 * time.Second
	readyPoll    = 200 * time.Millisecond
	logTailLines = 15
)

// Deployment is a target file's daemon on every node of a run: its
// process control is a deploy.Process (faultline's pidfile-managed
// daemon), and everything the file says about a node is rendered when it
// is made.
type Deployment struct {
	file  *File
	mode  Mode
	env   targets.Env
	plans map[string]*nodePlan
	proc  deploy.Process
	logs  clientLogs
}

func (f *File) newDeployment(env targets.Env) (*Deployment, error) {
	m, ok := f.mode(env.Mode.Name)
	if !ok {
		return nil, failAt(f.Path, 0, "mode %q is not declared (modes: %s)", env.Mode.Name, strings.Join(f.Target().Modes.Names(), ", "))
	}
	options := map[string]string{}
	for _, o := range f.Options {
		v, given := env.Options[o.Name]
		if !given {
			v = o.Default
		}
		options[o.Name] = v
	}
	plans, err := f.plan(m, env.Nodes, options, func(t *tmpl, node string, line int, format string, args ...any) error {
		return failAt(f.Path, line, "%s: node %s: %s", t.field, node, fmt.Sprintf(format, args...))
	})
	if err != nil {
		return nil, err
	}
	d := &Deployment{file: f, mode: m, env: env, plans: plans}
	d.proc = deploy.Process{
		Daemon:       f.Daemon(env.Sudo),
		Nodes:        env.Nodes,
		Args:         func(n deploy.Node) []string { return slices.Clone(d.plans[n.Name].args) },
		Ready:        d.probe,
		ReadyTimeout: f.ReadyTimeout,
		ReadyPoll:    readyPoll,
	}
	return d, nil
}

// File is the target file the deployment was made from.
func (d *Deployment) File() *File { return d.file }

// Mode is the deployment's mode, with its vars.
func (d *Deployment) Mode() Mode { return d.mode }

// Env is the environment Deploy was given (nodes, sudo, op timeout,
// options).
func (d *Deployment) Env() targets.Env { return d.env }

// Daemon is the target's daemon on every node.
func (d *Deployment) Daemon() deploy.Daemon { return d.proc.Daemon }

// plan is node's rendering, or an error naming the node.
func (d *Deployment) plan(node string) (*nodePlan, error) {
	np, ok := d.plans[node]
	if !ok {
		return nil, fmt.Errorf("targetfile: %s: no node %q", d.file.Name, node)
	}
	return np, nil
}

// Args is the daemon's command line on node, after the program.
func (d *Deployment) Args(node string) ([]string, error) {
	np, err := d.plan(node)
	if err != nil {
		return nil, err
	}
	return slices.Clone(np.args), nil
}

// ClientCommand is the client executable's argv and environment
// (NAME=VALUE, in the file's order, to add to the controller's own) for
// a client of node, rendered when the deployment was made.
func (d *Deployment) ClientCommand(node string) (argv, env []string, err error) {
	np, err := d.plan(node)
	if err != nil {
		return nil, nil, err
	}
	return slices.Clone(np.argv), slices.Clone(np.env), nil
}

// checkScript reports what is missing on a node, one line each:
// "program" when $1 is not an executable file, "script" when it is a
// #! script (whose process's command line names its interpreter, so the
// pidfile could never recognise it), "package NAME" for each of $2...
// that dpkg does not have installed. It changes nothing.
const checkScript = `prog=$1; shift
if [ ! -f "$prog" ] || [ ! -x "$prog" ]; then echo program
elif [ "$(head -c 2 "$prog" 2>/dev/null)" = '#!' ]; then echo script; fi
for p do
  s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$s" in *" installed") ;; *) echo "package $p";; esac
done
exit 0`

// check verifies that node has the program and the packages, without
// installing anything: nodes must not need the network.
func (d *Deployment) check(ctx context.Context, n deploy.Node) error {
	f := d.file
	argv := append([]string{"sh", "-c", checkScript, "check", f.Program}, f.Packages...)
	out, err := control.Exec(ctx, n.Remote, d.env.Sudo, argv...)
	if err != nil {
		return fmt.Errorf("targetfile: %s: %s: check the program and packages: %w", n.Name, f.Name, err)
	}
	var missing []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case l == "program":
			hint := "install the package that provides it"
			if len(f.Packages) > 0 {
				hint = "check that the packages (" + strings.Join(f.Packages, ", ") + ") provide it"
			}
			return fmt.Errorf("targetfile: %s: program %s (%s) is not an executable file on the node: %s, or fix program: in the target file", n.Name, f.Program, f.Path, hint)
		case l == "script":
			return fmt.Errorf("targetfile: %s: program %s (%s) is a script (#!): its process would show its interpreter's path, so faultline could not recognise it by its pidfile; set program: to the executable the script runs and put its arguments in start:", n.Name, f.Program, f.Path)
		case strings.HasPrefix(l, "package "):
			missing = append(missing, strings.TrimPrefix(l, "package "))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("targetfile: %s: packages not installed: %s (install them on every node, e.g. apt-get install %s; faultline installs no packages, nodes need no network)",
			n.Name, strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	return nil
}

// Setup checks every node for the program and the packages, stops any old
// daemon, wipes its data, writes the directories, uploads and files, starts
// the daemon with its arguments and waits until every node passes the
// readiness probe. A node that does not come up is named with the probe's
// last error and the tails of the daemon's log and of the file's logs.
func (d *Deployment) Setup(ctx context.Context) error {
	if err := d.proc.Each(func(n deploy.Node) error { return d.check(ctx, n) }); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "faultline-targetfile-")
	if err != nil {
		return fmt.Errorf("targetfile: %s: %w", d.file.Name, err)
	}
	defer os.RemoveAll(tmp)
	if err := d.proc.Each(func(n deploy.Node) error { return d.install(ctx, n, tmp) }); err != nil {
		return err
	}
	return d.proc.Each(func(n deploy.Node) error { return d.waitReady(ctx, n) })
}

// install puts the daemon on node from scratch and starts it.
func (d *Deployment) install(ctx context.Context, n deploy.Node, tmp string) error {
	np := d.plans[n.Name]
	dm, r := d.proc.Daemon, n.Remote
	if err := dm.Stop(ctx, r, setupGrace); err != nil {
		return err
	}
	if err := dm.Wipe(ctx, r); err != nil {
		return err
	}
	// The file's own logs are cleared too when they are the daemon's (in
	// its node directory), so that the logs collected are this run's.
	var old []string
	for _, l := range np.logs {
		if strings.HasPrefix(l.path, dm.Dir+"/") {
			old = append(old, l.path)
		}
	}
	if len(old) > 0 {
		if _, err := r.Run(ctx, control.Cmd{Sudo: dm.Sudo, Argv: append([]string{"rm", "-f", "--"}, old...)}); err != nil {
			return fmt.Errorf("targetfile: %s: remove old logs: %w", n.Name, err)
		}
	}
	if err := dm.Install(ctx, r, ""); err != nil {
		return err
	}
	if len(np.dirs) > 0 {
		if _, err := r.Run(ctx, control.Cmd{Sudo: dm.Sudo, Argv: append([]string{"mkdir", "-p", "--"}, np.dirs...)}); err != nil {
			return fmt.Errorf("targetfile: %s: make directories: %w", n.Name, err)
		}
	}
	for _, u := range np.uploads {
		if err := r.Upload(ctx, u.from, u.to, u.mode); err != nil {
			return fmt.Errorf("targetfile: %s: upload %s to %s: %w", n.Name, u.from, u.to, err)
		}
	}
	for _, fl := range np.files {
		local, err := os.CreateTemp(tmp, "file-")
		if err == nil {
			_, err = local.WriteString(fl.content)
			err = errors.Join(err, local.Close())
		}
		if err == nil {
			err = r.Upload(ctx, local.Name(), fl.path, fl.mode)
		}
		if err != nil {
			return fmt.Errorf("targetfile: %s: write %s: %w", n.Name, fl.path, err)
		}
	}
	return dm.Start(ctx, r, np.args...)
}

// waitReady is the process's WaitReady, with the tails of the file's own
// logs added when the daemon does not come up.
func (d *Deployment) waitReady(ctx context.Context, n deploy.Node) error {
	err := d.proc.WaitReady(ctx, n.Name)
	if err == nil || ctx.Err() != nil {
		return err
	}
	var b strings.Builder
	for _, l := range d.plans[n.Name].logs {
		out, _ := control.Exec(ctx, n.Remote, d.env.Sudo, "tail", "-n", fmt.Sprint(logTailLines), "--", l.path)
		if out = strings.TrimSpace(out); out != "" {
			fmt.Fprintf(&b, "\n%s tail:\n%s", l.path, out)
		}
	}
	if b.Len() == 0 {
		return err
	}
	return fmt.Errorf("%w%s", err, b.String())
}

// probe is one readiness check of node: the daemon runs, and the file's
// probe (a TCP connect from here, or a command on the node) succeeds.
func (d *Deployment) probe(ctx context.Context, n deploy.Node) error {
	pid, err := d.proc.Daemon.Pid(ctx, n.Remote)
	if err != nil {
		return err
	}
	if pid == 0 {
		return fmt.Errorf("%s is not running (it exited; see its log)", d.file.Program)
	}
	np := d.plans[n.Name]
	switch {
	case np.tcp != "":
		dctx, cancel := context.WithTimeout(ctx, tcpProbe)
		defer cancel()
		c, err := (&net.Dialer{}).DialContext(dctx, "tcp", np.tcp)
		if err != nil {
			return fmt.Errorf("ready.tcp: %w", err)
		}
		return c.Close()
	case len(np.command) > 0:
		cctx, cancel := context.WithTimeout(ctx, commandProbe)
		defer cancel()
		if _, err := n.Remote.Run(cctx, control.Cmd{Sudo: d.env.Sudo, Argv: np.command}); err != nil {
			return fmt.Errorf("ready.command: %w", err)
		}
	}
	return nil
}

// Teardown stops the daemon on every node (resuming it first); its data
// stays until the next Setup.
func (d *Deployment) Teardown(ctx context.Context) error { return d.proc.Teardown(ctx) }

// Residue lists daemons left in the stopped state.
func (d *Deployment) Residue(ctx context.Context) ([]string, error) { return d.proc.Residue(ctx) }

// CollectLogs fetches each node's daemon log (stdout and stderr) into
// dir/<node>/NAME.log and each of the file's logs that exists into
// dir/<node>/ under its own name (prefixed by its index when two share
// one).
func (d *Deployment) CollectLogs(ctx context.Context, dir string) error {
	errs := []error{d.proc.CollectLogs(ctx, dir), d.collectClientLogs(dir)}
	errs = append(errs, d.proc.Each(func(n deploy.Node) error {
		local := filepath.Join(dir, n.Name)
		if err := os.MkdirAll(local, 0o755); err != nil {
			return err
		}
		var errs []error
		for _, l := range d.plans[n.Name].logs {
			if _, err := n.Remote.Run(ctx, control.Cmd{Sudo: d.env.Sudo, Argv: []string{"test", "-f", l.path}}); err != nil {
				var ee *control.ExitError
				if errors.As(err, &ee) {
					continue // never written: nothing to fetch
				}
				errs = append(errs, fmt.Errorf("targetfile: %s: fetch %s: %w", n.Name, l.path, err))
				continue
			}
			if err := n.Remote.Download(ctx, l.path, filepath.Join(local, l.local)); err != nil {
				errs = append(errs, fmt.Errorf("targetfile: %s: fetch %s: %w", n.Name, l.path, err))
			}
		}
		return errors.Join(errs...)
	}))
	return errors.Join(errs...)
}

// The process control of the kill and pause nemeses, exported by the
// deployment types that declare them (see Deploy).

func (d *Deployment) kill(ctx context.Context, node string) error   { return d.proc.Kill(ctx, node) }
func (d *Deployment) start(ctx context.Context, node string) error  { return d.proc.Start(ctx, node) }
func (d *Deployment) pause(ctx context.Context, node string) error  { return d.proc.Pause(ctx, node) }
func (d *Deployment) resume(ctx context.Context, node string) error { return d.proc.Resume(ctx, node) }
