package targets

import (
	"fmt"
	"strings"
)

// Expect is a mode's expected answer to one question of the truth table.
type Expect string

const (
	// NA: the question does not apply (a register has nothing to converge).
	NA Expect = ""
	// Yes: the mode must pass this check under every fault.
	Yes Expect = "yes"
	// No: the mode must fail this check; a run that passes it missed a bug.
	No Expect = "no"
)

// Mode is one named configuration of a target: what `--mode` picks and what
// a campaign puts on an axis. Its place in the truth table is part of its
// declaration, so the table in the docs, the expectations of a campaign
// (expect: table) and the end-to-end tests read the same facts.
type Mode struct {
	Name string
	// Doc is one line: what the mode does and, for an unsafe one, what must
	// be caught.
	Doc string
	// Linearizable says whether the mode's histories must be linearizable.
	Linearizable Expect
	// Converges says whether every node must hold the same state after
	// the final heal (NA for targets without replicas to compare).
	Converges Expect
	// Features names what the mode offers beyond the workload's basic ops
	// (e.g. "cas"); workloads ask with Has.
	Features []string
}

// Has reports whether the mode offers feature f.
func (m Mode) Has(f string) bool {
	for _, x := range m.Features {
		if x == f {
			return true
		}
	}
	return false
}

// Safe reports whether the mode is expected to pass every check it is
// held to: nothing in its truth-table row says No.
func (m Mode) Safe() bool { return m.Linearizable != No && m.Converges != No }

// Modes are a target's modes, the default first.
type Modes []Mode

// Default is the first mode.
func (ms Modes) Default() Mode {
	if len(ms) == 0 {
		return Mode{}
	}
	return ms[0]
}

// Names lists the modes' names, the default first.
func (ms Modes) Names() []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// Lookup finds a mode by name; "" is the default.
func (ms Modes) Lookup(name string) (Mode, error) {
	if name == "" {
		return ms.Default(), nil
	}
	for _, m := range ms {
		if m.Name == name {
			return m, nil
		}
	}
	return Mode{}, fmt.Errorf("%w %q (modes: %s)", ErrUnknownMode, name, strings.Join(ms.Names(), ", "))
}
