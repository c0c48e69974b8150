package fault

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/faultline/faultline/history"
)

// Interval is one stretch of time during which a fault was in place, as
// the plots shade it, the timeline draws it and the report lists it.
type Interval struct {
	// Family is the fault's family: a name in Families, or the family a
	// start-X/stop-X or one-off nemesis op names.
	Family string
	// Start is the time of the invoke that opened the fault (it may have
	// taken effect any time after); End is the completion of the op that
	// closed it (it may have lasted until then). Nanoseconds since the run
	// started. Invariant: Start <= End.
	Start, End int64
	// Label says what was done: the partition kind and grudge, the nodes
	// killed or paused, the clock offsets.
	Label string
	// Short is a few words for a plot's band: the family and, when short,
	// what was asked (the partition kind) or who was hit (the nodes).
	Short string
	// Healed is false when nothing in the history closed the fault: it
	// ran to the end of the history.
	Healed bool
	// Uncertain is true when an opening op completed info or never
	// completed: the fault may or may not have taken effect.
	Uncertain bool
	// Event is true for a one-off nemesis op of no known family: the
	// interval is the op itself.
	Event bool
	// Opened are the ops that opened the fault (a second clock bump while
	// the clock is skewed extends the same interval); Closed is the op
	// that closed it, nil when none did.
	Opened []history.Pair
	Closed *history.Pair
}

// Intervals computes the fault intervals of h's nemesis ops, ordered by
// start. An opening op that failed never took effect and opens nothing;
// one that completed info, or never completed, opens an Uncertain fault. A
// second opening op of a family already open extends the open interval
// and its label. Heal closes every open fault; faults still open at the
// end of the history end at the last op's time, unhealed.
func Intervals(h history.History) []Interval {
	var (
		out   []Interval
		open  = map[string]*Interval{}
		tried = map[string]bool{}
		end   int64
	)
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	closeFam := func(fam string, p history.Pair, at int64) {
		f := open[fam]
		if f == nil {
			return
		}
		f.End, f.Healed = max(at, f.Start), true
		f.Closed = &p
		out = append(out, *f)
		delete(open, fam)
	}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if !inv.IsNemesis() {
			continue
		}
		done := end
		if p.Completion != nil {
			done = p.Completion.Time
		}
		uncertain := p.Type() != history.OK
		fam, role := Classify(inv.F, func(f string) bool { return tried[f] })
		switch role {
		case Opens:
			tried[fam] = true
			if p.Completion != nil && p.Completion.Type == history.Fail {
				continue
			}
			label := opLabel(p)
			if f := open[fam]; f != nil {
				f.Label += "; " + label
				f.Uncertain = f.Uncertain || uncertain
				f.Opened = append(f.Opened, p)
				continue
			}
			open[fam] = &Interval{Family: fam, Start: inv.Time, Label: label, Short: opShort(fam, p),
				Uncertain: uncertain, Opened: []history.Pair{p}}
		case HealsAll:
			for _, k := range sortedKeys(open) {
				closeFam(k, p, done)
			}
		case Closes:
			closeFam(fam, p, done)
		default:
			out = append(out, Interval{Family: fam, Start: inv.Time, End: max(done, inv.Time), Label: opLabel(p),
				Short: opShort(fam, p), Healed: true, Uncertain: uncertain, Event: true, Opened: []history.Pair{p}})
		}
	}
	for _, k := range sortedKeys(open) {
		f := open[k]
		f.End, f.Healed = max(end, f.Start), false
		out = append(out, *f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// At reports the intervals in place at time t.
func At(fs []Interval, t int64) []Interval {
	var out []Interval
	for _, f := range fs {
		if f.Start <= t && t <= f.End {
			out = append(out, f)
		}
	}
	return out
}

// FamiliesOf lists the families present in fs, in Order.
func FamiliesOf(fs []Interval) []string {
	names := make([]string, 0, len(fs))
	for _, f := range fs {
		names = append(names, f.Family)
	}
	return Order(names)
}

// opLabel describes one opening nemesis op: what was asked (the invoke's
// value, e.g. the partition kind) and what was done (the completion's
// value, e.g. the grudge or the nodes killed).
func opLabel(p history.Pair) string {
	var parts []string
	if v := history.Compact(p.Invoke.Value); v != "" && v != "null" {
		parts = append(parts, v)
	}
	if c := p.Completion; c != nil {
		fam, _ := Classify(p.Invoke.F, func(string) bool { return false })
		if w, ok := words(fam, c.Value); ok {
			parts = append(parts, w)
		} else if v := history.Compact(c.Value); v != "" && v != "null" {
			parts = append(parts, v)
		}
		if c.Type != history.OK {
			s := string(c.Type)
			if c.Error != "" {
				s += ": " + c.Error
			}
			parts = append(parts, s)
		}
	} else {
		parts = append(parts, "never completed")
	}
	s := p.Invoke.F
	if len(parts) > 0 {
		s += " " + strings.Join(parts, " ")
	}
	return s
}

// opShort is the band label of an opening op: the family, then the
// invoke's value when it is a short string (a partition kind, a kill mode)
// or else the completion's value when it is a short list of nodes.
func opShort(fam string, p history.Pair) string {
	out := fam
	var s string
	if json.Unmarshal(p.Invoke.Value, &s) == nil && s != "" && len(s) <= 20 {
		out += " " + s
	}
	var nodes []string
	if p.Completion != nil && json.Unmarshal(p.Completion.Value, &nodes) == nil && len(nodes) > 0 {
		if j := strings.Join(nodes, ","); len(j) <= 20 {
			out += " " + j
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
