package session

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// Witness is why a model is ruled out on a key: the ops involved and, in
// words, the constraints that cannot all hold.
type Witness struct {
	Key string `json:"key"`
	// Ops are the invoke indexes of the ops involved, ascending.
	Ops []int64 `json:"ops"`
	// Why is one sentence: what the sessions did, and the model's rule
	// they break.
	Why string `json:"why"`
	// Steps are, when the violation is a cycle, its constraints on the
	// arbitration order round the cycle (each step's After is the next
	// one's Before), starting with the one whose Later op is last;
	// absent for a direct contradiction.
	Steps []Step `json:"steps,omitempty"`
}

// Step is one constraint of a cycle: under Guarantee, because Process's
// op Earlier came before its op Later, the write of Before is before the
// write of After in the arbitration order.
type Step struct {
	Guarantee Model           `json:"guarantee"`
	Process   history.Process `json:"process"`
	Earlier   int64           `json:"earlier_op"`
	Later     int64           `json:"later_op"`
	Before    string          `json:"before"`
	After     string          `json:"after"`
}

// last is the witness's latest op: witnesses complete in that order.
func (w *Witness) last() int64 { return w.Ops[len(w.Ops)-1] }

// decide returns why model m is ruled out on k, or nil when it holds.
// c is k's constraints (nil when k has an unsourced read).
func decide(k *keyHist, c *constraints, m Model) *Witness {
	if k.unsourced >= 0 {
		return k.conflictWitness(m, conflict{kind: unsourcedRead, earlier: unset, later: k.unsourced})
	}
	gs := m.guarantees()
	var first *conflict
	for i := range nGuarantees {
		if gs&(1<<i) == 0 {
			continue
		}
		for j := range c.parts[i].conflicts {
			f := &c.parts[i].conflicts[j]
			if first == nil || k.ops[f.later].index < k.ops[first.later].index {
				first = f
			}
		}
	}
	if first != nil {
		return k.conflictWitness(m, *first)
	}
	cyc := c.graph(k, gs).cycle()
	if cyc == nil {
		return nil
	}
	return k.cycleWitness(m, c, cyc)
}

// conflictWitness explains a direct contradiction.
func (k *keyHist) conflictWitness(m Model, f conflict) *Witness {
	later := &k.ops[f.later]
	w := &Witness{Key: k.key, Ops: []int64{later.index}}
	if f.earlier != unset {
		w.Ops = []int64{k.ops[f.earlier].index, later.index}
	}
	p := procText(later.proc)
	switch f.kind {
	case unsourcedRead:
		w.Why = fmt.Sprintf("on key %q, %s %s, but no write of %s to the key happened (none was issued, or it failed): under every model a read returns a written value or the initial nil",
			k.key, p, k.readText(f.later), later.a)
	case initialAfterRead:
		w.Why = fmt.Sprintf("on key %q, %s %s and then %s: %s, and the initial value is before every write",
			k.key, p, k.readText(f.earlier), k.readText(f.later), under(m, f.g))
	case initialAfterWrite:
		w.Why = fmt.Sprintf("on key %q, %s %s and then %s: %s",
			k.key, p, k.writeText(f.earlier), k.readText(f.later), under(m, f.g))
	case readOwnFuture:
		w.Why = fmt.Sprintf("on key %q, %s %s and only later %s itself: %s, so that write would be after itself",
			k.key, p, k.readText(f.earlier), k.writeText(f.later), under(m, f.g))
	}
	return w
}

// cycleWitness explains a cycle of constraints: each run of edges from a
// write to the next write is one constraint, whose reason is on the one
// edge of the run that has one (see constraints).
func (k *keyHist) cycleWitness(m Model, c *constraints, cyc []edge) *Witness {
	w := &Witness{Key: k.key}
	var steps []string
	var why *reason
	from := cyc[0].from
	for _, e := range cyc {
		if e.why != noWhy {
			why = &c.reasons[e.why]
		}
		if e.to >= int32(len(k.writes)) {
			continue // inside an auxiliary range
		}
		r := *why
		if r.earlier == unset {
			r.earlier = k.writes[from].op
		}
		if r.later == unset {
			r.later = k.writes[e.to].op
		}
		o := &k.ops[r.earlier]
		s := Step{Guarantee: r.g.model(), Process: o.proc, Earlier: o.index, Later: k.ops[r.later].index,
			Before: k.written(from).String(), After: k.written(e.to).String()}
		w.Steps = append(w.Steps, s)
		w.Ops = append(w.Ops, s.Earlier, s.Later)
		steps = append(steps, k.stepText(m, r, s))
		from, why = e.to, nil
	}
	// Start with the constraint the history completed last: what the
	// violation came to, then what it contradicts.
	first := 0
	for i, s := range w.Steps {
		if s.Later > w.Steps[first].Later {
			first = i
		}
	}
	w.Steps = slices.Concat(w.Steps[first:], w.Steps[:first])
	steps = slices.Concat(steps[first:], steps[:first])
	slices.Sort(w.Ops)
	w.Ops = slices.Compact(w.Ops)
	var b strings.Builder
	fmt.Fprintf(&b, "on key %q, ", k.key)
	switch len(steps) {
	case 1:
		fmt.Fprintf(&b, "%s, which would put %s before itself", steps[0], w.Steps[0].Before)
	case 2:
		fmt.Fprintf(&b, "%s, but %s", steps[0], steps[1])
	default:
		fmt.Fprintf(&b, "%s; and %s, a cycle no order of the writes can follow", strings.Join(steps[:len(steps)-1], "; "), steps[len(steps)-1])
	}
	fmt.Fprintf(&b, ": under %s, %s", m.label(), m.principle())
	w.Why = b.String()
	return w
}

// stepText is one constraint in words.
func (k *keyHist) stepText(m Model, r reason, s Step) string {
	o := &k.ops[r.earlier]
	if r.earlier == r.later { // a cas: its read, then its write
		t := fmt.Sprintf("%s's cas %s->%s (op %d%s) read %s and then wrote %s, so %s is before %s",
			procText(o.proc), o.a, o.b, o.index, k.indeterminate(o), o.a, o.b, s.Before, s.After)
		if m.guarantees() != r.g {
			t += " (" + r.g.model().label() + ")"
		}
		return t
	}
	var a, b string
	switch r.g {
	case gMR:
		a, b = k.readText(r.earlier), k.readText(r.later)
	case gRYW:
		a, b = k.writeText(r.earlier), k.readText(r.later)
	case gMW:
		a, b = k.writeText(r.earlier), k.writeText(r.later)
	case gWFR:
		a, b = k.readText(r.earlier), k.writeText(r.later)
	}
	t := fmt.Sprintf("%s %s and then %s, so %s is before %s", procText(o.proc), a, b, s.Before, s.After)
	if m.guarantees() != r.g {
		t += " (" + r.g.model().label() + ")"
	}
	return t
}

// under names the guarantee broken, within model m, with its rule.
func under(m Model, g guarantee) string {
	gm := g.model()
	if gm == m {
		return fmt.Sprintf("under %s, %s", m.label(), m.principle())
	}
	return fmt.Sprintf("under %s (part of %s), %s", gm.label(), m.label(), gm.principle())
}

func procText(p history.Process) string { return "process " + p.String() }

// readText is op i's read in words: "read 2 (op 40)".
func (k *keyHist) readText(i int32) string {
	o := &k.ops[i]
	what := "read the initial nil"
	if o.a.set {
		what = "read " + o.a.String()
	}
	if o.f == 'c' {
		return fmt.Sprintf("%s in its cas %s->%s (op %d%s)", what, o.a, o.b, o.index, k.indeterminate(o))
	}
	return fmt.Sprintf("%s (op %d)", what, o.index)
}

// writeText is op i's write in words: "wrote 2 (op 12)".
func (k *keyHist) writeText(i int32) string {
	o := &k.ops[i]
	if o.f == 'c' {
		return fmt.Sprintf("wrote %s by cas %s->%s (op %d%s)", o.b, o.a, o.b, o.index, k.indeterminate(o))
	}
	return fmt.Sprintf("wrote %s (op %d%s)", o.a, o.index, k.indeterminate(o))
}

// indeterminate says why an op whose outcome was unknown is taken to have
// happened.
func (k *keyHist) indeterminate(o *op) string {
	if o.ok {
		return ""
	}
	v := o.a
	if o.f == 'c' {
		v = o.b
	}
	how := "ended info"
	if o.open {
		how = "never completed"
	}
	return fmt.Sprintf(", which %s, but %s was read, so it happened", how, v)
}
