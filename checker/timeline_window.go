package checker

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// TimelineFocus is where a key's anomaly is, for WriteTimeline (FocusOf
// reads it from a checker's Result).
type TimelineFocus struct {
	// Index is the history index of the invoke of the op at fault.
	Index int64
	// Related are the invoke indices of the other ops the anomaly involves;
	// a window drawn around Index draws them too.
	Related []int64
	// Label names the anomaly in a few words ("fifo-order"); Why tells it
	// in a sentence (the tooltip of its marker).
	Label, Why string
}

// TimelineWindow is the part of a key WriteTimeline drew when the whole key
// did not fit in MaxOps.
type TimelineWindow struct {
	// From and To bound the window in the key's ops, in invoke order (From
	// counted from 0, To excluded): ops From+1 to To of Of.
	From, To, Of int
	// Extra is how many ops outside the window are drawn too: the ones the
	// anomaly involves.
	Extra int
	// Focused says the window is around the key's Focus, whose op was
	// invoked At (ns since the run started); otherwise it is the key's
	// first ops.
	Focused bool
	At      int64
}

// String says which ops the window holds: "ops 12,041–12,190 of 20,000,
// around the anomaly at 41.200 s".
func (w TimelineWindow) String() string {
	s := fmt.Sprintf("ops %s–%s of %s", thousands(w.From+1), thousands(w.To), thousands(w.Of))
	if !w.Focused {
		return s + ", the first"
	}
	s += ", around the anomaly at " + seconds(w.At)
	switch w.Extra {
	case 0:
	case 1:
		s += ", and 1 op outside them that the anomaly involves"
	default:
		s += fmt.Sprintf(", and %d ops outside them that the anomaly involves", w.Extra)
	}
	return s
}

// minTimelineWindow is the fewest ops worth drawing as a window: with
// fewer left in the budget, a key that does not fit is skipped.
const minTimelineWindow = 20

// maxFocusExtra bounds the ops outside a window drawn because the anomaly
// involves them.
const maxFocusExtra = 20

// timelineKey is one key as the timeline draws it.
type timelineKey struct {
	key    string
	ops    []porcupine.Operation // what is drawn, in invoke order
	window *TimelineWindow       // nil: the whole key
	// mark is the op at fault when it is drawn, with its focus.
	mark  *porcupine.Operation
	focus TimelineFocus
}

// timelinePlan is what WriteTimeline draws.
type timelinePlan struct {
	drawn     []timelineKey
	skipped   []string
	endOfTime int64
}

// planTimeline picks the keys and the ops of each that the timeline draws,
// within budget ops (negative: no bound).
func planTimeline(prep *prepared, opts TimelineOptions, budget int) *timelinePlan {
	plan := &timelinePlan{endOfTime: prep.endOfTime}
	failing := map[string]bool{}
	for _, k := range opts.FailingKeys {
		failing[k] = true
	}
	used := 0
	for _, k := range timelineKeys(prep.keys, opts) {
		all := prep.keys[k]
		focus, hasFocus := opts.Focus[k]
		d := timelineKey{key: k, focus: focus}
		left := budget - used
		switch {
		case budget < 0 || len(all) <= left:
			d.ops = all // Partition keeps first-seen order
			if hasFocus {
				if i, exact := opAt(all, focus.Index); exact {
					d.mark = &all[i]
				}
			}
		case left >= minTimelineWindow && (failing[k] || len(plan.drawn) == 0):
			d.ops, d.window, d.mark = window(all, left, focus, hasFocus)
		default:
			plan.skipped = append(plan.skipped, k)
			continue
		}
		used += len(d.ops)
		plan.drawn = append(plan.drawn, d)
	}
	return plan
}

// window picks n of ops, around focus when there is one (the ops invoked
// just before and after the op at fault, and those the anomaly involves),
// else the first n.
func window(ops []porcupine.Operation, n int, focus TimelineFocus, hasFocus bool) ([]porcupine.Operation, *TimelineWindow, *porcupine.Operation) {
	n = min(n, len(ops))
	w := &TimelineWindow{To: n, Of: len(ops)}
	if !hasFocus {
		return ops[:n], w, nil
	}
	at, exact := opAt(ops, focus.Index)
	at = min(at, len(ops)-1)
	w.From = max(0, min(at-n/2, len(ops)-n))
	w.To = w.From + n
	w.Focused, w.At = true, ops[at].Call
	picked := map[int]bool{}
	for _, idx := range focus.Related {
		if i, ok := opAt(ops, idx); ok && (i < w.From || i >= w.To) && len(picked) < maxFocusExtra {
			picked[i] = true
		}
	}
	w.Extra = len(picked)
	drawn := make([]porcupine.Operation, 0, n+len(picked))
	for i := range ops {
		if (i >= w.From && i < w.To) || picked[i] {
			drawn = append(drawn, ops[i])
		}
	}
	var mark *porcupine.Operation
	if exact {
		mark = &ops[at]
	}
	return drawn, w, mark
}

// opAt finds the op whose invoke has history index idx among ops (in
// invoke order): its position and true, or the position of the first op
// invoked after it and false.
func opAt(ops []porcupine.Operation, idx int64) (int, bool) {
	i := sort.Search(len(ops), func(i int) bool { return metaIndex(ops[i]) >= idx })
	return i, i < len(ops) && metaIndex(ops[i]) == idx
}

func metaIndex(o porcupine.Operation) int64 {
	if m, ok := o.Metadata.(*opMeta); ok {
		return m.Index
	}
	return math.MinInt64
}

// operations is what the verbose search is given: the drawn ops of every
// key, each input wrapped with its key and whether it is searched (see
// timelineModel).
func (p *timelinePlan) operations() []porcupine.Operation {
	n := 0
	for _, d := range p.drawn {
		n += len(d.ops)
	}
	ops := make([]porcupine.Operation, 0, n)
	ins := make([]timelineInput, n)
	for _, d := range p.drawn {
		for _, o := range d.ops {
			in := &ins[len(ops)]
			*in = timelineInput{in: o.Input, key: d.key, unsearched: d.window != nil}
			if m, ok := o.Metadata.(*opMeta); ok && m.Type != "ok" {
				in.note = " (" + string(m.Type) + ")"
			}
			o.Input = in
			ops = append(ops, o)
		}
	}
	return ops
}

// keys are the keys drawn, in order.
func (p *timelinePlan) keys() []string {
	var ks []string
	for _, d := range p.drawn {
		ks = append(ks, d.key)
	}
	return ks
}

// windows are the keys drawn in part.
func (p *timelinePlan) windows() map[string]TimelineWindow {
	var ws map[string]TimelineWindow
	for _, d := range p.drawn {
		if d.window != nil {
			if ws == nil {
				ws = map[string]TimelineWindow{}
			}
			ws[d.key] = *d.window
		}
	}
	return ws
}

// marks are the anomaly markers: the op at fault of each drawn key with a
// focus, on the "anomaly" row.
func (p *timelinePlan) marks() []porcupine.Annotation {
	var out []porcupine.Annotation
	for _, d := range p.drawn {
		if d.mark == nil {
			continue
		}
		label := d.focus.Label
		if label == "" {
			label = "anomaly"
		}
		if d.key != "" {
			label = fmt.Sprintf("%q: %s", d.key, label)
		}
		end := d.mark.Return
		if end >= p.endOfTime {
			end = d.mark.Call // never returned: a point at its invoke
		}
		why := d.focus.Why
		if why == "" {
			why = "the op at fault"
		}
		out = append(out, porcupine.Annotation{
			Tag: "anomaly", Start: d.mark.Call, End: end,
			Description: anomalyMark + label, Details: why,
			BackgroundColor: "#f4b8b8",
		})
	}
	return out
}

// anomalyMark starts the description of an anomaly marker; the page's
// script finds the marker by it.
const anomalyMark = "⚠ "

// openAtMark says whether the page opens at the anomaly marker rather than
// at porcupine's first error: when the first key drawn is a window, which
// is not searched and so shows no error.
func (p *timelinePlan) openAtMark() bool {
	return len(p.drawn) > 0 && p.drawn[0].window != nil && p.drawn[0].mark != nil
}

// thousands writes n with thousands separators: 20,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}
