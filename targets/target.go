package targets

import (
	"context"
	"fmt"
	"regexp"
)

// Target describes one system under test. It is a plain value: the CLI's
// registry lists them, and a user's own binary adds its own.
type Target struct {
	// Name is what --target takes: letters, digits, '-' and '_'.
	Name string
	// Doc is one line for `faultline list`.
	Doc string
	// Modes are the named configurations, the default first; at least one.
	Modes Modes
	// Workloads names the workloads the target serves, the default first.
	// The deployment implements the client capability each one needs.
	Workloads []string
	// Supports says which process and clock faults the deployment can take.
	Supports Supports
	// Options are the target's own settings (a binary's path, a port),
	// given as --NAME flags to test and as options in a campaign spec.
	Options []Option
	// Daemons names the pidfile-managed programs the deployment runs on a
	// node (see package deploy): every preflight and `faultline cluster
	// heal` resumes them if stopped and reaps ones a killed controller
	// left running.
	Daemons []string
	// Role, when set, is the node daemon's role that serves this target:
	// faultline-node --role NAME runs Role.Serve.
	Role *Role
	// Deploy makes the deployment for env's nodes and mode. It must not
	// touch the nodes: Setup does that.
	Deploy func(env Env) (Deployment, error)
}

// Supports lists the faults a target's processes can take beyond the
// network faults (partition, netem), which every target takes.
type Supports struct {
	// Kill: the deployment implements Killer (kill -9, restart).
	Kill bool
	// Pause: the deployment implements Pauser (SIGSTOP, SIGCONT).
	Pause bool
	// ClockFile: the deployment implements Clocker, and its processes read
	// the skew file the clock nemesis writes (faultline-node's clock).
	ClockFile bool
	// ClockSystem: the target's processes read the system clock, so the
	// clock nemesis can skew them by stepping it (on VMs, never on the
	// local cluster, whose nodes share the host's kernel).
	ClockSystem bool
	// Primaries: the deployment implements Primaries (it says which nodes
	// lead), so the partition nemesis's schedule also draws
	// isolate-primaries, the partition that cuts them off.
	Primaries bool
}

// Option is a target's own setting.
type Option struct {
	Name    string // the flag's name, without dashes
	Doc     string
	Default string
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks a description once, where it is registered: a name, at
// least one mode, unique mode names, at least one workload, a Deploy.
func (t Target) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalid, t.Name, fmt.Sprintf(format, args...))
	}
	if !nameRE.MatchString(t.Name) {
		return bad("the name must be lower-case letters, digits, '-' and '_'")
	}
	if len(t.Modes) == 0 {
		return bad("no modes (declare at least one; the first is the default)")
	}
	seen := map[string]bool{}
	for _, m := range t.Modes {
		if !nameRE.MatchString(m.Name) {
			return bad("mode %q: the name must be lower-case letters, digits, '-' and '_'", m.Name)
		}
		if seen[m.Name] {
			return bad("mode %q is declared twice", m.Name)
		}
		seen[m.Name] = true
	}
	if len(t.Workloads) == 0 {
		return bad("no workloads (name the workloads its clients serve)")
	}
	if t.Deploy == nil {
		return bad("no Deploy function")
	}
	for _, o := range t.Options {
		if !nameRE.MatchString(o.Name) {
			return bad("option %q: the name must be lower-case letters, digits, '-' and '_'", o.Name)
		}
	}
	return nil
}

// Serves reports whether the target serves workload w.
func (t Target) Serves(w string) bool {
	for _, x := range t.Workloads {
		if x == w {
			return true
		}
	}
	return false
}

// Deployment is a target made for a set of nodes: the runner installs and
// starts it, and stops it and collects its logs at the end.
type Deployment interface {
	// Setup installs and starts the system on every node, from scratch.
	Setup(ctx context.Context) error
	// Teardown stops it on every node.
	Teardown(ctx context.Context) error
	// CollectLogs fetches each node's logs into dir/<node>/.
	CollectLogs(ctx context.Context, dir string) error
	// Residue lists what the target's processes still show of a fault (a
	// stopped process); empty when clean.
	Residue(ctx context.Context) ([]string, error)
}
