package checker

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// anomaly explains why one key is not linearizable: porcupine's longest
// linearizable prefix, the state it leaves, and the op that must come next
// (the remaining op that returned first) but cannot.
type anomaly struct {
	Key       string
	PrefixLen int
	Last      *porcupine.Operation // last op of the prefix; nil if empty
	State     string
	Culprit   porcupine.Operation
	describe  func(in, out any) string
}

// short trims s for a one-line summary; Details keep the full text.
func short(s string) string {
	const n = 100
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
}

func (a *anomaly) op(o porcupine.Operation) string {
	s := short(a.describe(o.Input, o.Output))
	if m, ok := o.Metadata.(*opMeta); ok {
		s += " (" + describeMeta(m) + ")"
	}
	return s
}

func (a *anomaly) String() string {
	prefix := fmt.Sprintf("no linearizable order starts with any op, state %s", short(a.State))
	if a.Last != nil {
		prefix = fmt.Sprintf("the longest linearizable prefix has %d ops, ends with %s and leaves state %s", a.PrefixLen, a.op(*a.Last), short(a.State))
	}
	return fmt.Sprintf("%s cannot be linearized: %s, and nothing can follow it", a.op(a.Culprit), prefix)
}

func (a *anomaly) details() map[string]any {
	d := map[string]any{
		"key":        a.Key,
		"prefix_len": a.PrefixLen,
		"state":      a.State,
		"op":         a.describe(a.Culprit.Input, a.Culprit.Output),
	}
	if m, ok := a.Culprit.Metadata.(*opMeta); ok {
		d["index"] = m.Index
		d["process"] = m.Process.String()
	}
	if a.Last != nil {
		d["last"] = a.describe(a.Last.Input, a.Last.Output)
		if m, ok := a.Last.Metadata.(*opMeta); ok {
			d["last_index"] = m.Index
		}
	}
	return d
}

// explainIllegal describes an illegal key from the longest linearizable
// prefix its verdict pass reached (prefix: indices into ops, in order;
// state: what the prefix leaves): the culprit is the op outside the prefix
// that returned first, the one a linearization must take next.
func explainIllegal(m porcupine.Model, key string, ops []porcupine.Operation, prefix []int32, state any) *anomaly {
	if prefix == nil {
		return nil // no trace: the search was not the verdict pass's
	}
	done := make([]bool, len(ops))
	for _, id := range prefix {
		done[id] = true
	}
	var culprit *porcupine.Operation
	for i := range ops {
		o := &ops[i]
		if done[i] {
			continue
		}
		if culprit == nil || o.Return < culprit.Return || (o.Return == culprit.Return && o.Call < culprit.Call) {
			culprit = o
		}
	}
	if culprit == nil {
		return nil
	}
	a := &anomaly{
		Key:       key,
		PrefixLen: len(prefix),
		State:     m.DescribeState(state),
		Culprit:   *culprit,
		describe:  m.DescribeOperation,
	}
	if len(prefix) > 0 {
		last := ops[prefix[len(prefix)-1]]
		a.Last = &last
	}
	return a
}
