package nemesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/control"
)

// Clock modes (ClockOptions.Mode).
const (
	// ClockModeFile skews the clock file that faultline's node daemon
	// reads; the kernel clock is never touched. The default.
	ClockModeFile = "file"
	// ClockModeSystem steps each node's system clock with `date -u -s`,
	// NTP stopped. Opt-in, for real VMs: it is refused when the nodes
	// share a kernel (a local namespace cluster), whose clock is the
	// host's.
	ClockModeSystem = "system"
)

// NTPUnits are the systemd units that would pull a stepped clock back;
// system mode stops those that are active before its first step on a node
// and restarts exactly those when it heals.
var NTPUnits = []string{"systemd-timesyncd", "chrony", "ntp"}

// BootIDFile identifies the running kernel: two nodes that report the same
// boot id share one kernel, and so one clock.
const BootIDFile = "/proc/sys/kernel/random/boot_id"

// systemState is what system mode remembers between ops.
type systemState struct {
	kernelsOK bool                // every node reported a distinct boot id
	held      map[string]bool     // nodes whose NTP units were checked and stopped
	stopped   map[string][]string // NTP units this nemesis stopped, by node, in order
}

// newSystemClock is NewClockWith for ClockModeSystem: no Clocker is
// needed, since the clock is read with `date` over SSH.
func newSystemClock(env Env, rng *rand.Rand, opts ClockOptions) (*Clock, error) {
	if opts.SharedKernel {
		return nil, fmt.Errorf("nemesis: clock: system mode: %w: the nodes share the host's kernel (a local namespace cluster), so stepping one node's clock would step the host's and every node's; use the default file mode", ErrUnsupported)
	}
	if rng == nil {
		return nil, errors.New("nemesis: clock: nil rng")
	}
	c, err := newClockFiles(env, opts)
	if err != nil {
		return nil, err
	}
	c.rng = rng
	c.sys = systemState{held: map[string]bool{}, stopped: map[string][]string{}}
	return c, nil
}

// system reports whether c steps system clocks.
func (c *Clock) system() bool { return c.opts.Mode == ClockModeSystem }

// CheckKernels reads every node's boot id and refuses, wrapping
// ErrUnsupported, nodes that share a kernel: stepping one's clock would
// step the other's (and, on a namespace cluster, the host's). System mode
// runs it before its first step; callers may run it up front. In file mode
// it does nothing. A passed check is remembered.
func (c *Clock) CheckKernels(ctx context.Context) error {
	if !c.system() {
		return nil
	}
	c.mu.Lock()
	ok := c.sys.kernelsOK
	c.mu.Unlock()
	if ok {
		return nil
	}
	ids := make([]string, len(c.env.Nodes))
	err := eachOf(c.env.Nodes, func(n string) error {
		res, err := c.env.Remotes[n].Run(ctx, control.Cmd{Argv: []string{"cat", BootIDFile}})
		if err != nil {
			return err
		}
		id := string(bytes.TrimSpace(res.Stdout))
		if id == "" {
			return fmt.Errorf("%s is empty", BootIDFile)
		}
		ids[slices.Index(c.env.Nodes, n)] = id
		return nil
	})
	if err != nil {
		return fmt.Errorf("nemesis: clock: system mode: reading boot ids: %w", err)
	}
	seen := map[string]string{}
	for i, n := range c.env.Nodes {
		if other, dup := seen[ids[i]]; dup {
			return fmt.Errorf("nemesis: clock: system mode: %w: nodes %q and %q report the same boot id %s, so they share one kernel and its clock; stepping one would step both (and the host's)", ErrUnsupported, other, n, ids[i])
		}
		seen[ids[i]] = n
	}
	c.mu.Lock()
	c.sys.kernelsOK = true
	c.mu.Unlock()
	return nil
}

// stepAll steps each node in offsets to its offset; see step.
func (c *Clock) stepAll(ctx context.Context, offsets map[string]int64) error {
	if err := c.CheckKernels(ctx); err != nil {
		return err
	}
	nodes := inOrder(c.env.Nodes, slices.Collect(maps.Keys(offsets)))
	if err := eachOf(nodes, func(n string) error { return c.step(ctx, n, offsets[n]) }); err != nil {
		return fmt.Errorf("nemesis: step system clock: %w", err)
	}
	return nil
}

// step sets node's system clock so that it is offset ahead of where it
// was before this nemesis stepped it. A zero offset sets it to the
// controller's time. A non-zero one stops NTP on the node first, reads the
// node's time and steps it by offset minus the offset already applied
// (so a second bump replaces the first, as in file mode).
func (c *Clock) step(ctx context.Context, node string, offset int64) error {
	var target time.Time
	if offset == 0 {
		target = c.now()
	} else {
		if err := c.holdNTP(ctx, node); err != nil {
			return err
		}
		c.mu.Lock()
		cur := c.set[node]
		c.mu.Unlock()
		t, mid, err := c.readSystem(ctx, node)
		if err != nil {
			return err
		}
		// The node's time now is what it read plus what passed since.
		target = t.Add(c.now().Sub(mid)).Add(time.Duration(offset - cur))
	}
	if _, err := c.env.Remotes[node].Run(ctx, control.Cmd{Sudo: true,
		Argv: []string{"date", "-u", "-s", dateArg(target)}}); err != nil {
		return err
	}
	c.mu.Lock()
	c.set[node] = offset
	c.mu.Unlock()
	return nil
}

// holdNTP stops, once per node until the next heal, every active unit of
// NTPUnits, recording each one stopped. A unit that is not active or not
// installed is left alone.
func (c *Clock) holdNTP(ctx context.Context, node string) error {
	c.mu.Lock()
	done := c.sys.held[node]
	c.mu.Unlock()
	if done {
		return nil
	}
	r := c.env.Remotes[node]
	for _, u := range NTPUnits {
		// systemctl stop succeeds on an inactive unit; asking first keeps
		// heal from starting a unit that was not running.
		if _, err := r.Run(ctx, control.Cmd{Argv: []string{"systemctl", "is-active", u}}); err != nil {
			if _, exited := errors.AsType[*control.ExitError](err); exited {
				continue // inactive, failed or not installed
			}
			return fmt.Errorf("checking NTP unit %s: %w", u, err)
		}
		if _, err := r.Run(ctx, control.Cmd{Sudo: true, Argv: []string{"systemctl", "stop", u}}); err != nil {
			if unitMissing(err) {
				continue
			}
			return fmt.Errorf("stopping NTP unit %s: %w", u, err)
		}
		c.mu.Lock()
		c.sys.stopped[node] = append(c.sys.stopped[node], u)
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.sys.held[node] = true
	c.mu.Unlock()
	return nil
}

// unitMissing reports whether a systemctl failure says the unit does not
// exist (exit 5, "Unit x.service not loaded" / "not found").
func unitMissing(err error) bool {
	ee, ok := errors.AsType[*control.ExitError](err)
	if !ok {
		return false
	}
	return ee.Code == 5 || strings.Contains(ee.Stderr, "not loaded") || strings.Contains(ee.Stderr, "not found")
}

// restartNTP starts again exactly the NTP units this nemesis stopped.
func (c *Clock) restartNTP(ctx context.Context) error {
	c.mu.Lock()
	stopped := map[string][]string{}
	for n, us := range c.sys.stopped {
		stopped[n] = slices.Clone(us)
	}
	held := slices.Collect(maps.Keys(c.sys.held))
	c.mu.Unlock()
	nodes := inOrder(c.env.Nodes, append(held, slices.Collect(maps.Keys(stopped))...))
	err := eachOf(nodes, func(n string) error {
		for _, u := range stopped[n] {
			if _, err := c.env.Remotes[n].Run(ctx, control.Cmd{Sudo: true, Argv: []string{"systemctl", "start", u}}); err != nil {
				return fmt.Errorf("restarting NTP unit %s: %w", u, err)
			}
			c.mu.Lock()
			c.sys.stopped[n] = slices.DeleteFunc(c.sys.stopped[n], func(s string) bool { return s == u })
			c.mu.Unlock()
		}
		c.mu.Lock()
		delete(c.sys.stopped, n)
		delete(c.sys.held, n)
		c.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("nemesis: restart NTP: %w", err)
	}
	return nil
}

// readSystem reads node's system clock with `date +%s.%N` and returns it
// with the controller's time at the middle of the round trip.
func (c *Clock) readSystem(ctx context.Context, node string) (t, mid time.Time, err error) {
	before := c.now()
	res, err := c.env.Remotes[node].Run(ctx, control.Cmd{Argv: []string{"date", "+%s.%N"}})
	after := c.now()
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t, err = parseEpoch(string(res.Stdout))
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return t, before.Add(after.Sub(before) / 2), nil
}

// parseEpoch parses `date +%s.%N` output ("1700000000.123456789").
func parseEpoch(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	secs, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || frac == "" || strings.Trim(frac, "0123456789") != "" {
		return time.Time{}, fmt.Errorf("date +%%s.%%N printed %q, not seconds.nanoseconds (GNU date needed)", s)
	}
	frac = (frac + "000000000")[:9]
	ns, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(sec, ns), nil
}

// dateArg is t as `date -s` takes it: "@seconds.nanoseconds".
func dateArg(t time.Time) string {
	return fmt.Sprintf("@%d.%09d", t.Unix(), t.Nanosecond())
}

// residueSystem names each node whose system clock is more than Tolerance
// off the controller's, and each node with NTP units still stopped by this
// nemesis.
func (c *Clock) residueSystem(ctx context.Context) ([]string, error) {
	found := make([]string, len(c.env.Nodes))
	err := eachOf(c.env.Nodes, func(n string) error {
		off, err := c.readOffset(ctx, n)
		if err != nil {
			return err
		}
		if abs(off) > int64(c.opts.Tolerance) {
			found[slices.Index(c.env.Nodes, n)] = fmt.Sprintf("%s: system clock %v off the controller's (more than %v)", n, time.Duration(off), c.opts.Tolerance)
		}
		return nil
	})
	var out []string
	for _, f := range found {
		if f != "" {
			out = append(out, f)
		}
	}
	c.mu.Lock()
	for _, n := range c.env.Nodes {
		if us := c.sys.stopped[n]; len(us) > 0 {
			out = append(out, fmt.Sprintf("%s: NTP units stopped by the clock nemesis: %s", n, strings.Join(us, ", ")))
		}
	}
	c.mu.Unlock()
	if err != nil {
		return out, fmt.Errorf("nemesis: clock residue: %w", err)
	}
	return out, nil
}
