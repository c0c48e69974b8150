package checker

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// prepared is a history turned into porcupine operations, per key.
type prepared struct {
	keys map[string][]porcupine.Operation
	// endOfTime is after every op of the history: the Return of ops whose
	// outcome is unknown.
	endOfTime int64
	counts    opCounts
}

type opCounts struct {
	OK, Fail, Info, Open, Dropped int
}

// prepare pairs the client ops of h and encodes them for model m.
// Indeterminate ops (info, or an invoke that never completed) return at
// endOfTime with an output that m accepts whatever the state: they may be
// linearized anywhere after their invocation, including "never" (last).
// Nemesis ops are ignored, and so are final reads (f final-read: a node's
// local state read without coordination after the heal, which no
// consistency model constrains; Convergence checks them). An op the model cannot read is an error wrapping
// ErrBadInput.
func (m Model) prepare(h history.History) (*prepared, error) {
	if m.encode == nil {
		return nil, fmt.Errorf("%w: checker: model %q has no encoder (use ModelByName, CASRegister or KV)", ErrBadInput, m.Name)
	}
	p := &prepared{keys: map[string][]porcupine.Operation{}}
	for _, o := range h {
		if o.Time >= p.endOfTime {
			p.endOfTime = min(o.Time, math.MaxInt64-1) + 1
		}
	}
	for _, pr := range h.Pairs() {
		inv := pr.Invoke
		if inv.IsNemesis() || inv.F == FinalRead {
			continue
		}
		switch pr.Type() {
		case history.OK:
			p.counts.OK++
		case history.Fail:
			p.counts.Fail++
		default:
			if pr.Open() {
				p.counts.Open++
			} else {
				p.counts.Info++
			}
		}
		in, out, keep, err := m.encode(inv, pr.Completion)
		if err != nil {
			return nil, fmt.Errorf("%w: checker: op %d (%s by process %s): %v (model %s)", ErrBadInput, inv.Index, inv.F, inv.Process, err, m.Name)
		}
		if !keep {
			p.counts.Dropped++
			continue
		}
		ret := p.endOfTime
		meta := opMeta{Index: inv.Index, Process: inv.Process, Node: inv.Node, Type: pr.Type()}
		if c := pr.Completion; c != nil {
			meta.Error = c.Error
			if c.Node != "" {
				meta.Node = c.Node
			}
			if c.Type == history.OK {
				ret = max(c.Time, inv.Time)
			}
		}
		p.keys[inv.Key] = append(p.keys[inv.Key], porcupine.Operation{
			ClientId: int(inv.Process),
			Input:    in,
			Call:     inv.Time,
			Output:   out,
			Return:   ret,
			Metadata: meta,
		})
	}
	return p, nil
}

func (c opCounts) details() map[string]int {
	return map[string]int{"ok": c.OK, "fail": c.Fail, "info": c.Info, "open": c.Open, "dropped": c.Dropped}
}
