package nemesis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets"
)

// Step is one scheduled nemesis op: invoke Op at At after the run starts.
type Step struct {
	At time.Duration
	Op history.Op
}

// Plan is the fault schedule of a seed, computed before anything runs: at
// interval, start a fault drawn from faults (for partition also the grudge
// kind, for kill, pause and clock the subset mode, as the op Value; for
// clock also bump-clock or strobe-clock as the F); hold it for interval
// with +-25% seeded jitter; stop it; stay quiet for interval (same jitter);
// repeat. A fault is only started when its stop still lands before
// duration (its hold is shortened to fit, never below interval/4).
//
// Names must be registered (check user input with CheckFaults first); an
// unregistered name is planned as start-NAME / stop-NAME, which the
// composed nemesis then completes as info, so the mistake shows in the
// history rather than vanishing. The same arguments give the same plan.
//
// Plan is PlanFor with no options: the schedule for a target that has no
// capability a fault can draw on.
func Plan(seed int64, faults []string, interval, duration time.Duration) []Step {
	return PlanFor(seed, faults, interval, duration, PlanOptions{})
}

// PlanOptions say what the target under test offers the schedule beyond
// the faults themselves.
type PlanOptions struct {
	// Primaries: the target says which nodes lead (targets.Supports.Primaries),
	// so a partition may be drawn as IsolatePrimaries. Without it the draws,
	// and so every seed's plan, are what they have always been.
	Primaries bool
}

// PlanOptionsFor are the options for a target that supports s.
func PlanOptionsFor(s targets.Supports) PlanOptions {
	return PlanOptions{Primaries: s.Primaries}
}

// PlanFor is Plan for a target with the given options.
func PlanFor(seed int64, faults []string, interval, duration time.Duration, o PlanOptions) []Step {
	if len(faults) == 0 || interval <= 0 || duration <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e656d65736973)) // "nemesis"
	jitter := func() time.Duration {
		// interval * [0.75, 1.25)
		return interval*3/4 + time.Duration(rng.Int64N(int64(interval/2)+1))
	}
	var steps []Step
	t := interval
	// Faults are drawn from a shuffled bag, refilled when empty, so that
	// every enabled fault runs once before any runs twice.
	var bag []string
	for t < duration {
		if len(bag) == 0 {
			for _, i := range rng.Perm(len(faults)) {
				bag = append(bag, faults[i])
			}
		}
		name := bag[0]
		bag = bag[1:]
		e, err := lookup(name)
		if err != nil {
			e = entry{family: fault.Family{Name: name, Opens: []string{"start-" + name}, Closes: []string{"stop-" + name}}}
		}
		opens := e.family.Opens
		start := history.Op{Process: history.Nemesis, Type: history.Invoke, F: opens[0]}
		if len(opens) > 1 { // clock: bump-clock or strobe-clock
			start.F = opens[rng.IntN(len(opens))]
		}
		if e.plan != nil {
			start.Value = e.plan(rng, o)
		}
		hold := jitter()
		if t+hold >= duration {
			hold = (duration - t) / 2
		}
		if hold < interval/4 || hold <= 0 {
			break
		}
		steps = append(steps,
			Step{At: t, Op: start},
			Step{At: t + hold, Op: history.Op{Process: history.Nemesis, Type: history.Invoke, F: e.family.Closes[0]}})
		t += hold + jitter()
	}
	return steps
}

// FormatPlan renders a plan for humans, one step a line:
//
//	10.000s  start-partition  "majorities-ring"
//	19.513s  stop-partition
func FormatPlan(steps []Step) string {
	if len(steps) == 0 {
		return "(no faults scheduled)\n"
	}
	var b strings.Builder
	for _, s := range steps {
		line := fmt.Sprintf("%11.3fs  %-16s %s", s.At.Seconds(), s.Op.F, s.Op.Value)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}
