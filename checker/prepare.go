package checker

import (
	"cmp"
	"fmt"
	"math"
	"slices"

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
	// torn: the file's last line was cut off mid-write and dropped.
	torn bool
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
// consistency model constrains; Convergence checks them). An op the model
// cannot read is an error wrapping ErrBadInput.
func (m Model) prepare(h history.History) (*prepared, error) {
	p, err := m.newPreparer()
	if err != nil {
		return nil, err
	}
	for _, o := range h {
		if err := p.add(o); err != nil {
			return nil, err
		}
	}
	return p.finish()
}

// preparer builds a prepared history one op at a time, so that a history
// can be streamed from disk into porcupine operations without ever being
// held whole (see AnalyzeFile). It keeps only the invokes still in flight.
//
// Invariant: every slot of keys[k] that is not yet final is named by exactly
// one entry of open (its invoke is in flight) or of pending (it completed
// indeterminate and needs endOfTime); dropped slots have a nil Input.
type preparer struct {
	m     Model
	p     *prepared
	open  map[history.Process]slot
	unk   []slotRef // indeterminate: Return is endOfTime, set by finish
	drops int       // slots to compact away in finish
	metas []opMeta  // the current slab of metadata
}

// newMeta returns a zero opMeta from the current slab.
func (pr *preparer) newMeta() *opMeta {
	if len(pr.metas) == cap(pr.metas) {
		pr.metas = make([]opMeta, 0, 1024)
	}
	pr.metas = pr.metas[:len(pr.metas)+1]
	return &pr.metas[len(pr.metas)-1]
}

type slot struct {
	inv history.Op
	ref slotRef
}

type slotRef struct {
	key string
	i   int
}

func (m Model) newPreparer() (*preparer, error) {
	if m.encode == nil {
		return nil, fmt.Errorf("%w: checker: model %q has no encoder (use ModelByName, CASRegister or KV)", ErrBadInput, m.Name)
	}
	return &preparer{m: m, p: &prepared{keys: map[string][]porcupine.Operation{}}, open: map[history.Process]slot{}}, nil
}

// add takes the next op of the history, in index order. Completions without
// an open invoke are ignored (a read history is validated).
func (pr *preparer) add(o history.Op) error {
	p := pr.p
	if o.Time >= p.endOfTime {
		p.endOfTime = min(o.Time, math.MaxInt64-1) + 1
	}
	if o.IsNemesis() {
		return nil
	}
	if o.Type == history.Invoke {
		if o.F == FinalRead {
			return nil
		}
		// The slot keeps the op's place in invoke order, which the
		// explanations and timelines rely on.
		ops := p.keys[o.Key]
		pr.open[o.Process] = slot{inv: o, ref: slotRef{o.Key, len(ops)}}
		p.keys[o.Key] = append(ops, porcupine.Operation{ClientId: int(o.Process), Call: o.Time})
		return nil
	}
	s, ok := pr.open[o.Process]
	if !ok {
		return nil
	}
	delete(pr.open, o.Process)
	return pr.complete(s, &o)
}

// complete encodes the pair of s's invoke and comp (nil: never completed)
// into its slot.
func (pr *preparer) complete(s slot, comp *history.Op) error {
	p, inv := pr.p, s.inv
	typ := history.Info
	if comp != nil {
		typ = comp.Type
	}
	switch typ {
	case history.OK:
		p.counts.OK++
	case history.Fail:
		p.counts.Fail++
	default:
		if comp == nil {
			p.counts.Open++
		} else {
			p.counts.Info++
		}
	}
	in, out, keep, err := pr.m.encode(inv, comp)
	if err != nil {
		return fmt.Errorf("%w: checker: op %d (%s by process %s): %v (model %s)", ErrBadInput, inv.Index, inv.F, inv.Process, err, pr.m.Name)
	}
	op := &p.keys[s.ref.key][s.ref.i]
	if !keep {
		p.counts.Dropped++
		pr.drops++
		return nil // Input stays nil: compacted away by finish
	}
	meta := pr.newMeta()
	*meta = opMeta{Index: inv.Index, Process: inv.Process, Node: inv.Node, Type: typ}
	op.Return = -1
	if comp != nil {
		meta.Error = comp.Error
		if comp.Node != "" {
			meta.Node = comp.Node
		}
		if typ == history.OK {
			op.Return = max(comp.Time, inv.Time)
		}
	}
	if op.Return < 0 {
		pr.unk = append(pr.unk, s.ref)
	}
	op.Input, op.Output, op.Metadata = in, out, meta
	return nil
}

// finish closes the invokes still open (they never completed: indeterminate),
// sets the Return of every indeterminate op to endOfTime and drops the
// slots of ops that cannot affect the verdict.
func (pr *preparer) finish() (*prepared, error) {
	p := pr.p
	// Close open invokes in index order, for deterministic errors.
	open := make([]slot, 0, len(pr.open))
	for _, s := range pr.open {
		open = append(open, s)
	}
	sortSlots(open)
	for _, s := range open {
		if err := pr.complete(s, nil); err != nil {
			return nil, err
		}
	}
	pr.open = nil
	for _, r := range pr.unk {
		p.keys[r.key][r.i].Return = p.endOfTime
	}
	pr.unk = nil
	if pr.drops > 0 {
		for k, ops := range p.keys {
			kept := ops[:0]
			for _, o := range ops {
				if o.Input != nil {
					kept = append(kept, o)
				}
			}
			clear(ops[len(kept):])
			if len(kept) == 0 {
				delete(p.keys, k)
				continue
			}
			p.keys[k] = kept
		}
	}
	return p, nil
}

func sortSlots(s []slot) {
	slices.SortFunc(s, func(a, b slot) int { return cmp.Compare(a.inv.Index, b.inv.Index) })
}

func (c opCounts) details() map[string]int {
	return map[string]int{"ok": c.OK, "fail": c.Fail, "info": c.Info, "open": c.Open, "dropped": c.Dropped}
}
