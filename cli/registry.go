package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/builtin"
	"github.com/faultline/faultline/targets/deploy"
	"github.com/faultline/faultline/workloads"
	wkv "github.com/faultline/faultline/workloads/kv"
	wqueue "github.com/faultline/faultline/workloads/queue"
	wregister "github.com/faultline/faultline/workloads/register"
	wset "github.com/faultline/faultline/workloads/set"
)

// builtinWorkloads are the workloads faultline ships; a new one is its
// package plus one line here. (The built-in targets are listed in
// targets/builtin, which the node daemon reads too.)
var builtinWorkloads = []workloads.Workload{
	wregister.Workload,
	wkv.Workload,
	wset.Workload,
	wqueue.Workload,
}

// registry is every target and workload one binary knows: the built-ins,
// and those a user's own binary adds. `list`, `--help`, validation,
// campaign expansion and the builders all read it.
type registry struct {
	targets   []targets.Target
	workloads []workloads.Workload
	// preferred is the default --target when a target file gave one.
	preferred string
	// control makes the pidfile control of a daemon that does not live
	// where faultline-node's do (a target file's, under its own
	// directory), by daemon name.
	control map[string]func(sudo bool) deploy.Daemon
}

// newRegistry checks every description once; a malformed one is a bug of
// the binary that registers it.
func newRegistry(ts []targets.Target, ws []workloads.Workload) (*registry, error) {
	r := &registry{}
	seen := map[string]bool{}
	for _, t := range ts {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("cli: target %q is registered twice", t.Name)
		}
		seen[t.Name] = true
		r.targets = append(r.targets, t)
	}
	seen = map[string]bool{}
	for _, w := range ws {
		if w.Name == "" || w.Build == nil || w.Checkers == nil {
			return nil, fmt.Errorf("cli: workload %q needs a name, Build and Checkers", w.Name)
		}
		if seen[w.Name] {
			return nil, fmt.Errorf("cli: workload %q is registered twice", w.Name)
		}
		seen[w.Name] = true
		r.workloads = append(r.workloads, w)
	}
	for _, t := range r.targets {
		for _, w := range t.Workloads {
			if !seen[w] {
				return nil, fmt.Errorf("cli: target %s serves workload %q, which is not registered", t.Name, w)
			}
		}
	}
	return r, nil
}

// add registers more targets (from target files) after the binary's own:
// the first becomes the default --target.
func (r *registry) add(ts ...targets.Target) error {
	for _, t := range ts {
		if err := t.Validate(); err != nil {
			return badInput("%v", err)
		}
		if _, dup := r.target(t.Name); dup {
			return badInput("target %q is already known to this binary: give the target file another name", t.Name)
		}
		for _, w := range t.Workloads {
			if _, ok := r.workload(w); !ok {
				return badInput("target %s serves workload %q, which this binary does not know (known: %s)", t.Name, w, strings.Join(r.workloadNames(), ", "))
			}
		}
		r.targets = append(r.targets, t)
		if r.preferred == "" {
			r.preferred = t.Name
		}
	}
	return nil
}

// defaultTarget is what --target defaults to: the first target file's,
// else the first registered.
func (r *registry) defaultTarget() string {
	if r.preferred != "" {
		return r.preferred
	}
	return r.targets[0].Name
}

// defaultRegistry is the built-ins alone.
func defaultRegistry() *registry {
	r, err := newRegistry(builtin.Targets, builtinWorkloads)
	if err != nil {
		panic(err) // the built-ins are checked by TestRegistry
	}
	return r
}

func (r *registry) targetNames() []string {
	var s []string
	for _, t := range r.targets {
		s = append(s, t.Name)
	}
	return s
}

func (r *registry) workloadNames() []string {
	var s []string
	for _, w := range r.workloads {
		s = append(s, w.Name)
	}
	return s
}

func (r *registry) target(name string) (targets.Target, bool) {
	i := slices.IndexFunc(r.targets, func(t targets.Target) bool { return t.Name == name })
	if i < 0 {
		return targets.Target{}, false
	}
	return r.targets[i], true
}

func (r *registry) workload(name string) (workloads.Workload, bool) {
	i := slices.IndexFunc(r.workloads, func(w workloads.Workload) bool { return w.Name == name })
	if i < 0 {
		return workloads.Workload{}, false
	}
	return r.workloads[i], true
}

// options are the target options of every registered target, each name
// once (several targets share node-binary), in registration order.
func (r *registry) options() []targets.Option {
	var out []targets.Option
	seen := map[string]bool{}
	for _, t := range r.targets {
		for _, o := range t.Options {
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o)
			}
		}
	}
	return out
}

// daemons are the daemon names of every registered target, each once.
func (r *registry) daemons() []string {
	var out []string
	for _, t := range r.targets {
		for _, d := range t.Daemons {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// daemonControls are the pidfile controls of the named daemons, as the
// healer and `cluster heal` need them.
func (r *registry) daemonControls(names []string, sudo bool) []deploy.Daemon {
	var out []deploy.Daemon
	for _, n := range names {
		if mk, ok := r.control[n]; ok {
			out = append(out, mk(sudo))
			continue
		}
		out = append(out, deploy.Daemon{Name: n, Sudo: sudo})
	}
	return out
}

// choice is a target, one of its modes and a workload it serves.
type choice struct {
	target   targets.Target
	mode     targets.Mode
	workload workloads.Workload
}

// resolve validates a target, mode and workload together; "" picks the
// default mode and workload.
func (r *registry) resolve(target, mode, workload string) (choice, error) {
	t, ok := r.target(target)
	if !ok {
		return choice{}, badInput("--target %q is unknown (known: %s)", target, strings.Join(r.targetNames(), ", "))
	}
	m, err := t.Modes.Lookup(mode)
	if err != nil {
		return choice{}, badInput("--mode %q is not a mode of target %s (modes: %s)", mode, t.Name, strings.Join(t.Modes.Names(), ", "))
	}
	if workload == "" {
		workload = t.Workloads[0]
	}
	w, ok := r.workload(workload)
	if !ok {
		return choice{}, badInput("--workload %q is unknown (known: %s)", workload, strings.Join(r.workloadNames(), ", "))
	}
	if !t.Serves(w.Name) {
		return choice{}, badInput("--workload %s does not run on target %s (it supports: %s)", w.Name, t.Name, strings.Join(t.Workloads, ", "))
	}
	return choice{target: t, mode: m, workload: w}, nil
}

// describeTarget is a target's entry in `faultline list`.
func describeTarget(t targets.Target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", t.Name, t.Doc)
	for i, m := range t.Modes {
		def := ""
		if i == 0 {
			def = " (default)"
		}
		fmt.Fprintf(&b, "    --mode %s%s: %s\n", m.Name, def, m.Doc)
	}
	fmt.Fprintf(&b, "    workloads: %s; faults: %s\n", strings.Join(t.Workloads, ", "), strings.Join(supportedFaults(t), ", "))
	return b.String()
}

// supportedFaults names the nemeses a target takes.
func supportedFaults(t targets.Target) []string {
	s := []string{"partition", "netem"}
	if t.Supports.Kill {
		s = append(s, "kill")
	}
	if t.Supports.Pause {
		s = append(s, "pause")
	}
	switch {
	case t.Supports.ClockFile && t.Supports.ClockSystem:
		s = append(s, "clock")
	case t.Supports.ClockFile:
		s = append(s, "clock (file mode only)")
	case t.Supports.ClockSystem:
		s = append(s, "clock (--clock-mode system only, on VMs)")
	}
	return s
}
