package nemesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// ClockFile is where the node daemon reads its clock offset: one line of
// JSON, a ClockSpec. An absent file means no offset. The daemon picks a
// change up within about 100 ms.
const ClockFile = "/opt/faultline/clock"

// Clocker is the optional capability of a target (found by type assertion
// on Env.Target) whose daemon keeps its time by the faultline clock file
// and reports it: ReadClock returns the node's current time as the daemon
// sees it (GET /clock, time_ns). A target without it cannot take
// offset-clock skew, and NewClock refuses it. deploy.NodeDaemon is meant
// to implement it.
type Clocker = targets.Clocker

// ClockSpec is the content of the clock file.
type ClockSpec struct {
	OffsetNs int64   `json:"offset_ns"`          // added to the node's real time
	Rate     float64 `json:"rate,omitempty"`     // clock speed; 0 or absent means 1 (the clock nemesis leaves it at 1)
	SinceNs  int64   `json:"since_ns,omitempty"` // real time (ns since the epoch) the rate applies from
}

// ClockOptions shape the clock nemesis. Zero fields take the defaults.
type ClockOptions struct {
	// File is the clock file on every node (default ClockFile).
	File string
	// MaxSkew bounds a drawn offset's magnitude (default 10s); MinSkew is
	// its floor (default MaxSkew/10). Offsets are drawn uniformly in
	// [MinSkew, MaxSkew] with a random sign, rounded to the millisecond:
	// large against the interval between ops, so last-write-wins on node
	// clocks orders writes visibly wrong.
	MaxSkew, MinSkew time.Duration
	// StrobePeriod is how often strobe-clock flips a node's offset between
	// its drawn value and 0 (default 200ms); StrobeDuration how long it
	// strobes (default 5s). The op completes when the strobe ends.
	StrobePeriod, StrobeDuration time.Duration
	// Tolerance is how far a measured offset may be from the one written
	// and still count as applied (default 500ms: the measurement includes
	// half an HTTP round trip).
	Tolerance time.Duration
	// Settle bounds how long an op waits for every daemon to show the
	// offset written (default 2s; daemons pick changes up in ~100ms).
	Settle time.Duration
	// Mode is ClockModeFile (default: skew the clock file our daemons
	// read) or ClockModeSystem (step each node's system clock with NTP
	// stopped; opt-in, for real VMs only; see clock_system.go).
	Mode string
	// SharedKernel says the nodes share one kernel (a local namespace
	// cluster): system mode is then refused, since stepping one node's
	// clock would step the host's and every node's.
	SharedKernel bool
	// SampleEvery is how often, while any node's clock is skewed, the
	// nemesis reads every node's clock between its ops (default 1s;
	// negative: never). The next op's completion carries the readings
	// (ClockValue.Samples), for the clock plot.
	SampleEvery time.Duration
}

func (o ClockOptions) withDefaults() ClockOptions {
	if o.File == "" {
		o.File = ClockFile
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 10 * time.Second
	}
	if o.MinSkew <= 0 || o.MinSkew > o.MaxSkew {
		o.MinSkew = o.MaxSkew / 10
	}
	if o.StrobePeriod <= 0 {
		o.StrobePeriod = 200 * time.Millisecond
	}
	if o.StrobeDuration <= 0 {
		o.StrobeDuration = 5 * time.Second
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 500 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Second
	}
	if o.Mode == "" {
		o.Mode = ClockModeFile
	}
	if o.SampleEvery == 0 {
		o.SampleEvery = time.Second
	}
	return o
}

// Shell scripts take their values only as positional parameters, so no
// offset or path can become syntax. clockWrite writes $1 to $2 atomically
// (a temporary beside it, then rename); clockRead prints $2 if it exists.
const (
	clockWriteScript = `printf '%s\n' "$1" > "$2.tmp" && mv -f "$2.tmp" "$2"`
	clockReadScript  = `[ -e "$1" ] || exit 0; cat "$1"`
)

// Clock skews the target daemons' clocks through the clock file:
//   - bump-clock jumps a subset of nodes by a drawn offset each;
//   - strobe-clock flips a subset's offsets between a drawn value and 0
//     every StrobePeriod for StrobeDuration (the nemesis rewrites the file
//     over SSH each flip), ending on the drawn value;
//   - reset-clock removes the file everywhere (offset 0).
//
// After every op it measures each node's clock against the controller's
// (ReadClock, corrected by half the round trip) and completes ok with
// {"set_ns": {node: offset written by this op}, "offsets_ns": {node:
// measured offset}}, or info when a write failed or a node's measured
// offset stays more than Tolerance from what it should be. While any
// node is skewed it also reads every clock each SampleEvery, and the next
// op's value carries those readings as "samples" (ClockReading).
type Clock struct {
	env  Env
	clk  Clocker // nil only for the internal healer (HealAll, ResidueAll)
	opts ClockOptions

	now func() time.Time // the controller's clock (time.Now; tests replace it)

	mu  sync.Mutex       // guards rng, set, sys, sampler and readings
	rng *rand.Rand       //
	set map[string]int64 // the offset each node's file (system mode: clock) holds, as far as this nemesis knows
	sys systemState      // system mode only

	ticker   func(time.Duration) (<-chan time.Time, func()) // newTicker; tests replace it
	sampler  *clockSampler                                  // the sampling loop while a skew is in place
	readings []clockReading                                 // taken since the last op completed
}

// NewClock returns the clock nemesis with default options.
func NewClock(env Env, rng *rand.Rand) (*Clock, error) {
	return NewClockWith(env, rng, ClockOptions{})
}

// NewClockWith returns the clock nemesis. In file mode it refuses,
// wrapping ErrUnsupported, a target that is not a Clocker: its clock
// cannot be skewed by the clock file, and a fault that cannot take effect
// is never silently skipped. System mode (opts.Mode ClockModeSystem) needs
// no Clocker, but is refused, wrapping ErrUnsupported, when
// opts.SharedKernel is set; nodes found sharing a kernel at run time are
// refused too (see CheckKernels).
func NewClockWith(env Env, rng *rand.Rand, opts ClockOptions) (*Clock, error) {
	switch opts.Mode {
	case "", ClockModeFile:
	case ClockModeSystem:
		return newSystemClock(env, rng, opts)
	default:
		return nil, fmt.Errorf("nemesis: clock: unknown mode %q (want %q or %q)", opts.Mode, ClockModeFile, ClockModeSystem)
	}
	if env.Target == nil {
		return nil, fmt.Errorf("nemesis: clock: %w: %w (offset-clock skew needs faultline's node daemon, which reads the clock file)", ErrNoTarget, ErrUnsupported)
	}
	clk, ok := env.Target.(Clocker)
	if !ok {
		return nil, fmt.Errorf("nemesis: clock: %w: target %T does not read the faultline clock file (it implements no ReadClock), so offset-clock skew cannot take effect on it", ErrUnsupported, env.Target)
	}
	if rng == nil {
		return nil, errors.New("nemesis: clock: nil rng")
	}
	c, err := newClockFiles(env, opts)
	if err != nil {
		return nil, err
	}
	c.clk, c.rng = clk, rng
	return c, nil
}

// newClockFiles is the clock nemesis without a Clocker: it can only Heal
// (remove the clock files) and report Residue. HealAll uses it, so a
// cluster is cleaned even when no target is deployed.
func newClockFiles(env Env, opts ClockOptions) (*Clock, error) {
	if len(env.Nodes) == 0 {
		return nil, errors.New("nemesis: clock: no nodes")
	}
	for _, n := range env.Nodes {
		if env.Remotes[n] == nil {
			return nil, fmt.Errorf("nemesis: clock: node %q has no remote", n)
		}
	}
	return &Clock{env: env, opts: opts.withDefaults(), now: time.Now, set: map[string]int64{}, ticker: newTicker}, nil
}

// Name is "clock".
func (c *Clock) Name() string { return "clock" }

// Fs are bump-clock, reset-clock and strobe-clock.
func (c *Clock) Fs() []string { return []string{"bump-clock", "reset-clock", "strobe-clock"} }

// ClockValue is the completion Value of every clock op.
type ClockValue struct {
	SetNs      map[string]int64 `json:"set_ns"`               // offsets this op wrote, by node
	OffsetsNs  map[string]int64 `json:"offsets_ns"`           // measured offsets afterwards, every node that answered
	Strobe     *StrobeValue     `json:"strobe,omitempty"`     // strobe-clock only
	Unmeasured []string         `json:"unmeasured,omitempty"` // nodes whose clock could not be read
	// Samples are the readings taken since the previous op, while a skew
	// was in place (ClockOptions.SampleEvery).
	Samples []ClockReading `json:"samples,omitempty"`
}

// StrobeValue describes a finished strobe.
type StrobeValue struct {
	PeriodNs   int64 `json:"period_ns"`
	DurationNs int64 `json:"duration_ns"`
	Flips      int   `json:"flips"`
}

// Invoke applies one clock op. bump-clock's Value: null (one or a
// minority of nodes, drawn), a mode from SubsetModes, a list of nodes
// (offsets drawn), or an object {node: offset_ns} applied as given.
// strobe-clock's Value: null, a mode, or a list of nodes. reset-clock
// takes no Value.
func (c *Clock) Invoke(ctx context.Context, op history.Op) history.Op {
	if c.clk == nil && !c.system() {
		return op.Complete(history.Info, nil, "nemesis: clock: no clock reader (constructed for healing only)")
	}
	var (
		val ClockValue
		err error
	)
	switch op.F {
	case "bump-clock":
		val, err = c.bump(ctx, op.Value)
	case "strobe-clock":
		val, err = c.strobe(ctx, op.Value)
	case "reset-clock":
		val.SetNs = map[string]int64{}
		for _, n := range c.env.Nodes {
			val.SetNs[n] = 0
		}
		err = c.reset(ctx)
	default:
		return op.Complete(history.Info, nil, fmt.Sprintf("nemesis: clock does not handle f %q", op.F))
	}
	// Sample while a skew is in place: start on the first, stop once
	// every clock is back.
	c.updateSampling()
	if err != nil {
		if val.SetNs == nil {
			return op.Complete(history.Info, nil, err.Error())
		}
		val.Samples = c.takeReadings()
		return op.Complete(history.Info, history.Raw(val), err.Error())
	}
	val.OffsetsNs, val.Unmeasured, err = c.measure(ctx)
	val.Samples = c.takeReadings()
	if err != nil {
		return op.Complete(history.Info, history.Raw(val), err.Error())
	}
	return op.Complete(history.OK, history.Raw(val), "")
}

// bump decides the offsets and writes them.
func (c *Clock) bump(ctx context.Context, v json.RawMessage) (ClockValue, error) {
	offsets, err := c.bumpOffsets(v)
	if err != nil {
		return ClockValue{}, err
	}
	val := ClockValue{SetNs: offsets}
	return val, c.write(ctx, offsets)
}

func (c *Clock) bumpOffsets(v json.RawMessage) (map[string]int64, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '{' {
		var offsets map[string]int64
		if err := json.Unmarshal(v, &offsets); err != nil {
			return nil, fmt.Errorf("nemesis: bump-clock value %s is not an object {node: offset_ns}: %v", v, err)
		}
		if len(offsets) == 0 {
			return nil, fmt.Errorf("nemesis: bump-clock value %s names no node; refusing a fault that would not take effect", v)
		}
		for n := range offsets {
			if !slices.Contains(c.env.Nodes, n) {
				return nil, fmt.Errorf("nemesis: node %q is not in the cluster (%s)", n, strings.Join(c.env.Nodes, ", "))
			}
		}
		return offsets, nil
	}
	nodes, err := c.targets(v)
	if err != nil {
		return nil, err
	}
	return c.drawOffsets(nodes), nil
}

// targets decodes a subset value and draws from the rng when needed.
func (c *Clock) targets(v json.RawMessage) ([]string, error) {
	nodes, mode, err := subsetValue(v, c.env.Nodes)
	if err != nil || nodes != nil {
		return nodes, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return pickSubset(c.rng, c.env.Nodes, mode)
}

// drawOffsets draws a non-zero offset per node, in [MinSkew, MaxSkew]
// with a random sign, rounded to the millisecond.
func (c *Clock) drawOffsets(nodes []string) map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int64{}
	lo, hi := c.opts.MinSkew.Milliseconds(), c.opts.MaxSkew.Milliseconds()
	for _, n := range nodes {
		ms := max(1, lo+c.rng.Int64N(hi-lo+1))
		if c.rng.IntN(2) == 0 {
			ms = -ms
		}
		out[n] = ms * int64(time.Millisecond)
	}
	return out
}

// strobe flips the chosen nodes between their drawn offset and 0; an odd
// number of flips, so it ends on the drawn offset.
func (c *Clock) strobe(ctx context.Context, v json.RawMessage) (ClockValue, error) {
	nodes, err := c.targets(v)
	if err != nil {
		return ClockValue{}, err
	}
	on := c.drawOffsets(nodes)
	off := map[string]int64{}
	for _, n := range nodes {
		off[n] = 0
	}
	flips := int(c.opts.StrobeDuration / c.opts.StrobePeriod)
	if flips%2 == 0 {
		flips++
	}
	val := ClockValue{SetNs: on, Strobe: &StrobeValue{PeriodNs: int64(c.opts.StrobePeriod), DurationNs: int64(c.opts.StrobeDuration)}}
	start := time.Now()
	for i := range flips {
		if i > 0 {
			wait := time.Until(start.Add(time.Duration(i) * c.opts.StrobePeriod))
			select {
			case <-ctx.Done():
				return val, fmt.Errorf("nemesis: strobe-clock stopped after %d flips: %w", i, ctx.Err())
			case <-time.After(wait):
			}
		}
		next := on
		if i%2 == 1 {
			next = off
		}
		if err := c.write(ctx, next); err != nil {
			return val, fmt.Errorf("nemesis: strobe-clock flip %d: %w", i+1, err)
		}
		val.Strobe.Flips = i + 1
	}
	return val, nil
}

// write writes each node's clock file; a zero offset removes the file.
// In system mode it steps the nodes' system clocks instead.
func (c *Clock) write(ctx context.Context, offsets map[string]int64) error {
	if c.system() {
		return c.stepAll(ctx, offsets)
	}
	nodes := inOrder(c.env.Nodes, slices.Collect(maps.Keys(offsets)))
	err := eachOf(nodes, func(n string) error {
		var err error
		if offsets[n] == 0 {
			err = c.remove(ctx, n)
		} else {
			spec, _ := json.Marshal(ClockSpec{OffsetNs: offsets[n]})
			_, err = c.env.Remotes[n].Run(ctx, control.Cmd{Sudo: true,
				Argv: []string{"sh", "-c", clockWriteScript, "sh", string(spec), c.opts.File}})
		}
		if err == nil {
			c.mu.Lock()
			c.set[n] = offsets[n]
			c.mu.Unlock()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("nemesis: write clock file %s: %w", c.opts.File, err)
	}
	return nil
}

func (c *Clock) remove(ctx context.Context, node string) error {
	_, err := c.env.Remotes[node].Run(ctx, control.Cmd{Sudo: true, Argv: []string{"rm", "-f", c.opts.File}})
	return err
}

// reset removes the clock file on every node.
func (c *Clock) reset(ctx context.Context) error {
	zero := map[string]int64{}
	for _, n := range c.env.Nodes {
		zero[n] = 0
	}
	return c.write(ctx, zero)
}

// measure reads every node's clock until each is within Tolerance of the
// offset its file holds, or Settle passes. It returns the last measured
// offsets, the nodes that never answered, and an error naming each node
// that is unread or off.
func (c *Clock) measure(ctx context.Context) (map[string]int64, []string, error) {
	c.mu.Lock()
	want := maps.Clone(c.set)
	c.mu.Unlock()
	deadline := time.Now().Add(c.opts.Settle)
	measured := map[string]int64{}
	var mu sync.Mutex
	for {
		pending := []string{}
		for _, n := range c.env.Nodes {
			got, ok := measured[n]
			if !ok || abs(got-want[n]) > int64(c.opts.Tolerance) {
				pending = append(pending, n)
			}
		}
		if len(pending) == 0 {
			return measured, nil, nil
		}
		errs := map[string]error{}
		eachOf(pending, func(n string) error {
			off, err := c.readOffset(ctx, n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[n] = err
				return err
			}
			measured[n] = off
			return nil
		})
		if time.Now().After(deadline) || ctx.Err() != nil {
			var problems, unread []string
			for _, n := range c.env.Nodes {
				got, ok := measured[n]
				switch {
				case errs[n] != nil || !ok:
					unread = append(unread, n)
					problems = append(problems, fmt.Sprintf("node %q: clock unreadable: %v", n, errs[n]))
				case abs(got-want[n]) > int64(c.opts.Tolerance):
					problems = append(problems, fmt.Sprintf("node %q: clock measured %v off, want %v (tolerance %v)",
						n, time.Duration(got), time.Duration(want[n]), c.opts.Tolerance))
				}
			}
			if len(problems) == 0 {
				return measured, nil, nil
			}
			return measured, unread, fmt.Errorf("nemesis: clock not verified: %s", strings.Join(problems, "; "))
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// readOffset measures one node's offset: its reported time minus the
// controller's at the middle of the request.
func (c *Clock) readOffset(ctx context.Context, node string) (int64, error) {
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if c.system() {
		t, mid, err := c.readSystem(rctx, node)
		if err != nil {
			return 0, err
		}
		return t.Sub(mid).Nanoseconds(), nil
	}
	before := c.now()
	t, err := c.clk.ReadClock(rctx, node)
	after := c.now()
	if err != nil {
		return 0, err
	}
	mid := before.Add(after.Sub(before) / 2)
	return t.Sub(mid).Nanoseconds(), nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Heal stops the readings between ops (those not yet reported are
// dropped: no op will carry them), removes the clock file on every node
// and, when the target reports its clock, checks that each node whose
// daemon answers is back within Tolerance of the controller. A daemon that does not answer (crashed,
// its restart heals later) is not an error here: the file, which Residue
// checks, is what it will read when it starts. In system mode it sets
// every node's clock to the controller's, restarts exactly the NTP units
// this nemesis stopped, and checks every node is within Tolerance.
func (c *Clock) Heal(ctx context.Context) error {
	// No op reports what is read from here on.
	c.stopSampling()
	c.mu.Lock()
	c.readings = nil
	c.mu.Unlock()
	if err := c.reset(ctx); err != nil {
		return fmt.Errorf("nemesis: clock heal: %w", err)
	}
	if c.system() {
		if err := c.restartNTP(ctx); err != nil {
			return fmt.Errorf("nemesis: clock heal: %w", err)
		}
	} else if c.clk == nil {
		return nil
	}
	measured, _, err := c.measure(ctx)
	if err == nil {
		return nil
	}
	var off []string
	for _, n := range c.env.Nodes {
		if got, ok := measured[n]; ok && abs(got) > int64(c.opts.Tolerance) {
			off = append(off, fmt.Sprintf("node %q: clock still %v off", n, time.Duration(got)))
		}
	}
	if len(off) > 0 {
		return fmt.Errorf("nemesis: clock heal: %s", strings.Join(off, "; "))
	}
	return nil
}

// Residue names each node whose clock file holds a non-zero offset or a
// rate other than 1 ("n2: clock file /opt/faultline/clock holds offset
// 5s"); nil means clean. In system mode it names each node whose system
// clock is more than Tolerance off the controller's, or whose NTP units
// this nemesis stopped and has not restarted.
func (c *Clock) Residue(ctx context.Context) ([]string, error) {
	if c.system() {
		return c.residueSystem(ctx)
	}
	found := make([]string, len(c.env.Nodes))
	err := eachOf(c.env.Nodes, func(n string) error {
		res, err := c.env.Remotes[n].Run(ctx, control.Cmd{Sudo: true,
			Argv: []string{"sh", "-c", clockReadScript, "sh", c.opts.File}})
		if err != nil {
			return err
		}
		body := bytes.TrimSpace(res.Stdout)
		if len(body) == 0 {
			return nil
		}
		var spec ClockSpec
		if err := json.Unmarshal(body, &spec); err != nil {
			found[slices.Index(c.env.Nodes, n)] = fmt.Sprintf("%s: clock file %s is not a clock spec: %q", n, c.opts.File, body)
			return nil
		}
		if spec.OffsetNs != 0 || (spec.Rate != 0 && spec.Rate != 1) {
			found[slices.Index(c.env.Nodes, n)] = fmt.Sprintf("%s: clock file %s holds offset %v rate %g", n, c.opts.File, time.Duration(spec.OffsetNs), spec.Rate)
		}
		return nil
	})
	var out []string
	for _, f := range found {
		if f != "" {
			out = append(out, f)
		}
	}
	if err != nil {
		return out, fmt.Errorf("nemesis: clock residue: %w", err)
	}
	return out, nil
}
