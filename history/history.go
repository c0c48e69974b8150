package history

import "sort"

// History is a run's ops in index order.
type History []Op

// Pair is an invoke with its completion. Completion is nil when the op is
// open: the run ended (or the controller died) before it completed, which
// means the same as info: it may or may not have taken effect.
type Pair struct {
	Invoke     Op
	Completion *Op
}

// Open reports whether the invoke has no completion.
func (p Pair) Open() bool { return p.Completion == nil }

// Type is the completion's type, or Info for an open invoke: an op that never
// completed is indeterminate.
func (p Pair) Type() Type {
	if p.Completion == nil {
		return Info
	}
	return p.Completion.Type
}

// Pairs matches every invoke with its completion, in invoke order. Client
// completions match the open invoke of their process; nemesis completions
// the oldest open nemesis invoke with the same f. Completions without an
// invoke (impossible in a history that was read, which is validated) are
// skipped.
func (h History) Pairs() []Pair {
	pairs := make([]Pair, 0, len(h)/2+1)
	open := make(map[Process]int)
	nem := make(map[string][]int)
	for _, op := range h {
		if op.Type == Invoke {
			pairs = append(pairs, Pair{Invoke: op})
			if op.Process == Nemesis {
				nem[op.F] = append(nem[op.F], len(pairs)-1)
			} else {
				open[op.Process] = len(pairs) - 1
			}
			continue
		}
		c := op
		if op.Process == Nemesis {
			if q := nem[op.F]; len(q) > 0 {
				pairs[q[0]].Completion = &c
				nem[op.F] = q[1:]
			}
			continue
		}
		if i, ok := open[op.Process]; ok {
			pairs[i].Completion = &c
			delete(open, op.Process)
		}
	}
	return pairs
}

// Client returns the ops of client processes.
func (h History) Client() History {
	return h.filter(func(o Op) bool { return !o.IsNemesis() })
}

// NemesisOps returns the ops of the nemesis.
func (h History) NemesisOps() History {
	return h.filter(func(o Op) bool { return o.IsNemesis() })
}

func (h History) filter(keep func(Op) bool) History {
	var out History
	for _, o := range h {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// ByKey splits the client ops by Key, each sub-history in index order.
// Nemesis ops have no key and are left out.
func (h History) ByKey() map[string]History {
	out := make(map[string]History)
	for _, o := range h {
		if o.IsNemesis() {
			continue
		}
		out[o.Key] = append(out[o.Key], o)
	}
	return out
}

// Keys returns the distinct keys of the client ops, sorted.
func (h History) Keys() []string {
	seen := make(map[string]bool)
	var keys []string
	for _, o := range h {
		if !o.IsNemesis() && !seen[o.Key] {
			seen[o.Key] = true
			keys = append(keys, o.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

// Validate checks the structural rules of Validator over the whole history.
// The error wraps ErrMalformed and names the offending op by index.
func (h History) Validate() error {
	var v Validator
	for i, o := range h {
		if p := v.Add(o); p != nil {
			return &MalformedError{File: "history", Line: i + 1, What: p.What, Fix: p.Fix}
		}
	}
	return nil
}
