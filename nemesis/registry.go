package nemesis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/faultline/faultline/fault"
)

// ErrUnknown is wrapped by errors for a nemesis name the registry lacks.
var ErrUnknown = errors.New("nemesis: unknown nemesis")

// entry is one registry line: a fault family and everything the harness
// needs to construct, schedule and heal it.
type entry struct {
	// family is the fault's line in package fault's table: its name (the
	// nemesis name), the Fs that open and close it, colour and label.
	family fault.Family
	// healRank orders heals in Compose and HealAll: lower first. Paused
	// processes must resume (0) before the network heals (10), which must
	// heal before crashed daemons restart (20), so a restart finds its peers.
	healRank int
	// plan draws the start op's Value for a schedule (nil: no value).
	plan func(rng *rand.Rand, o PlanOptions) json.RawMessage
	make func(env Env, rng *rand.Rand) (Nemesis, error)
	// healer, when set, builds what HealAll uses instead of make: a
	// nemesis that can heal (and report residue) without the target
	// capability that make requires.
	healer func(env Env) (Nemesis, error)
}

// family is the named line of package fault's table; a nemesis without
// one is a programming error (TestRegistryFamilies).
func family(name string) fault.Family {
	f, ok := fault.Lookup(name)
	if !ok {
		panic("nemesis: no fault family " + name + " in package fault")
	}
	return f
}

// registry is the table of nemeses, one per fault family. A new fault is
// one file plus one line here and one in package fault.
func registry() []entry {
	return []entry{
		{family: family("partition"), healRank: 10,
			plan: func(rng *rand.Rand, o PlanOptions) json.RawMessage {
				kinds := GrudgeKinds()
				if o.Primaries {
					kinds = append(kinds, IsolatePrimaries)
				}
				return json.RawMessage(fmt.Sprintf("%q", kinds[rng.IntN(len(kinds))]))
			},
			make: func(env Env, rng *rand.Rand) (Nemesis, error) { return NewPartition(env, rng) }},
		{family: family("kill"), healRank: 20,
			plan: func(rng *rand.Rand, _ PlanOptions) json.RawMessage {
				return json.RawMessage(fmt.Sprintf("%q", []string{"one", "minority"}[rng.IntN(2)]))
			},
			make: func(env Env, rng *rand.Rand) (Nemesis, error) { return NewKill(env, rng) }},
		{family: family("pause"), healRank: 0,
			plan: func(rng *rand.Rand, _ PlanOptions) json.RawMessage {
				return json.RawMessage(fmt.Sprintf("%q", []string{"one", "minority", "majority"}[rng.IntN(3)]))
			},
			make: func(env Env, rng *rand.Rand) (Nemesis, error) { return NewPause(env, rng) }},
		{family: family("clock"), healRank: 10,
			plan: func(rng *rand.Rand, _ PlanOptions) json.RawMessage {
				return json.RawMessage(fmt.Sprintf("%q", []string{"one", "minority", "majority"}[rng.IntN(3)]))
			},
			make:   func(env Env, rng *rand.Rand) (Nemesis, error) { return NewClock(env, rng) },
			healer: func(env Env) (Nemesis, error) { return newClockFiles(env, ClockOptions{}) }},
		{family: family("netem"), healRank: 10,
			plan: func(rng *rand.Rand, _ PlanOptions) json.RawMessage {
				p := NetemProfiles()
				return json.RawMessage(fmt.Sprintf("%q", p[rng.IntN(len(p))]))
			},
			make:   func(env Env, rng *rand.Rand) (Nemesis, error) { return NewNetem(env, rng) },
			healer: func(env Env) (Nemesis, error) { return newNetem(env, rand.New(rand.NewPCG(0, 0))) }},
	}
}

func lookup(name string) (entry, error) {
	for _, e := range registry() {
		if e.family.Name == name {
			return e, nil
		}
	}
	return entry{}, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Names lists the registered nemeses, sorted.
func Names() []string {
	var out []string
	for _, e := range registry() {
		out = append(out, e.family.Name)
	}
	slices.Sort(out)
	return out
}

// StartFs lists the op functions that begin a fault of the named family
// (clock has two: bump-clock and strobe-clock), for checkers that verify
// the faults took effect; nil for an unknown name.
func StartFs(name string) []string {
	e, err := lookup(name)
	if err != nil {
		return nil
	}
	return e.family.Opens
}

// CheckFaults reports the first name that is not a registered nemesis, as
// an error wrapping ErrUnknown. Call it before Plan on user input.
func CheckFaults(names []string) error {
	for _, n := range names {
		if _, err := lookup(n); err != nil {
			return err
		}
	}
	return nil
}

// New constructs the named nemesis over env; rng is its only source of
// randomness (seed it from the run's seed for a reproducible run).
func New(name string, env Env, rng *rand.Rand) (Nemesis, error) {
	e, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return e.make(env, rng)
}

// healRank is a nemesis's place in the heal order; unregistered ones heal
// between the network and process restarts.
func healRank(name string) int {
	if e, err := lookup(name); err == nil {
		return e.healRank
	}
	return 15
}
