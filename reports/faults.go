package reports

import (
	"encoding/json"
	"fmt"
	"image/color"
	"sort"
	"strings"

	"github.com/faultline/faultline/history"
)

// Fault is one interval during which the nemesis had a fault in place, as
// the plots shade it and the report lists it.
type Fault struct {
	// Family is the kind of fault: partition, kill, pause, clock, or the
	// bare f of a nemesis op this package does not know.
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
	// Uncertain is true when the opening op completed info: the fault may
	// or may not have taken effect.
	Uncertain bool
}

// faultColours are the fixed colours of the known fault families, used by
// every plot and the HTML legend, so that a colour means the same fault
// everywhere.
var faultColours = map[string]color.RGBA{
	"partition": {R: 0xe5, G: 0x39, B: 0x35, A: 0xff}, // red
	"kill":      {R: 0x8e, G: 0x24, B: 0xaa, A: 0xff}, // purple
	"pause":     {R: 0x1e, G: 0x88, B: 0xe5, A: 0xff}, // blue
	"clock":     {R: 0xfb, G: 0x8c, B: 0x00, A: 0xff}, // orange
}

var otherFaultColour = color.RGBA{R: 0x75, G: 0x75, B: 0x75, A: 0xff}

// FaultColour is the colour of a fault family in every plot and page.
func FaultColour(family string) color.RGBA {
	if c, ok := faultColours[family]; ok {
		return c
	}
	return otherFaultColour
}

// FaultHex is FaultColour as a CSS colour, "#rrggbb".
func FaultHex(family string) string {
	c := FaultColour(family)
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// faultRole says which fault family a nemesis f belongs to and whether it
// opens or closes it. start-X/stop-X is the house convention; kill/start
// and pause/resume are the process faults; bump-clock and strobe-clock open
// a clock fault that reset-clock closes; heal closes everything. Any other
// f is an instantaneous event of its own family.
func faultRole(f string, open map[string]*Fault) (family string, opens, closes bool) {
	switch {
	case f == "heal":
		return "", false, true
	case f == "bump-clock", f == "strobe-clock":
		return "clock", true, false
	case f == "reset-clock":
		return "clock", false, true
	case f == "kill", f == "pause":
		return f, true, false
	case f == "resume":
		return "pause", false, true
	case f == "start" && open["kill"] != nil:
		return "kill", false, true
	case strings.HasPrefix(f, "start-"):
		return strings.TrimPrefix(f, "start-"), true, false
	case strings.HasPrefix(f, "stop-"):
		return strings.TrimPrefix(f, "stop-"), false, true
	}
	return f, false, false
}

// Faults computes the fault intervals of h's nemesis ops, ordered by start.
// An opening op that failed never took effect and opens nothing; one that
// completed info opens an Uncertain fault. A second opening op of a family
// that is already open (a second clock bump) extends the open interval and
// its label. A "heal" closes every open fault; faults still open at the end
// of the history end at the last op's time, unhealed.
func Faults(h history.History) []Fault {
	var (
		out  []Fault
		open = map[string]*Fault{}
		end  int64
	)
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	closeFam := func(fam string, at int64, extra string) {
		f := open[fam]
		if f == nil {
			return
		}
		f.End, f.Healed = max(at, f.Start), true
		if extra != "" {
			f.Label += "; " + extra
		}
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
		fam, opens, closes := faultRole(inv.F, open)
		switch {
		case opens:
			if p.Completion != nil && p.Completion.Type == history.Fail {
				continue
			}
			label := faultLabel(p)
			if f := open[fam]; f != nil {
				f.Label += "; " + label
				f.Uncertain = f.Uncertain || p.Type() != history.OK
				continue
			}
			open[fam] = &Fault{Family: fam, Start: inv.Time, Label: label, Short: faultShort(fam, p),
				Uncertain: p.Type() != history.OK}
		case closes && fam == "":
			for _, k := range sortedKeys(open) {
				closeFam(k, done, "")
			}
		case closes:
			closeFam(fam, done, "")
		default:
			out = append(out, Fault{Family: fam, Start: inv.Time, End: done, Label: faultLabel(p), Short: faultShort(fam, p), Healed: true,
				Uncertain: p.Type() != history.OK})
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

// faultLabel describes one opening nemesis op: what was asked (the invoke's
// value, e.g. the partition kind) and what was done (the completion's
// value, e.g. the grudge or the nodes killed).
func faultLabel(p history.Pair) string {
	var parts []string
	if v := compactJSON(p.Invoke.Value); v != "" && v != "null" {
		parts = append(parts, v)
	}
	if c := p.Completion; c != nil {
		if v := compactJSON(c.Value); v != "" && v != "null" {
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

// faultShort is the band label of an opening op: the family, then the
// invoke's value when it is a short string (a partition kind, a kill mode)
// or else the completion's value when it is a short list of nodes.
func faultShort(fam string, p history.Pair) string {
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

// compactJSON renders a raw JSON value as a short one-line string: a JSON
// string without its quotes, anything else compacted.
func compactJSON(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var a any
	if json.Unmarshal(v, &a) != nil {
		return string(v)
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// faultAt reports the faults in place at time t.
func faultAt(fs []Fault, t int64) []Fault {
	var out []Fault
	for _, f := range fs {
		if f.Start <= t && t <= f.End {
			out = append(out, f)
		}
	}
	return out
}

// faultFamilies lists the families present in fs, known ones first in a
// fixed order, then the others sorted.
func faultFamilies(fs []Fault) []string {
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Family] = true
	}
	var out []string
	for _, k := range []string{"partition", "kill", "pause", "clock"} {
		if seen[k] {
			out = append(out, k)
			delete(seen, k)
		}
	}
	return append(out, sortedKeys(seen)...)
}
