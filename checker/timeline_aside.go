package checker

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// asideAnnotations draws, on their process's row, the client ops of the
// drawn keys that the check leaves out (the model's encoding drops them:
// fails, which did not happen, and ops whose outcome cannot change the
// verdict, such as a read whose result is unknown), within each window's
// invokes: at most budget of them (negative: no bound), and how many more
// there were. ClientId is the process, for compactClients.
func asideAnnotations(h history.History, m Model, plan *timelinePlan, budget int) ([]porcupine.Annotation, int) {
	spans := map[string][2]int64{}
	for _, d := range plan.drawn {
		span := [2]int64{math.MinInt64, math.MaxInt64}
		if w := d.window; w != nil {
			span = [2]int64{metaIndex(d.ops[0]), metaIndex(d.ops[len(d.ops)-1])}
		}
		spans[d.key] = span
	}
	if len(spans) == 0 {
		return nil, 0
	}
	var (
		out  []porcupine.Annotation
		left int
	)
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F == FinalRead {
			continue
		}
		span, ok := spans[inv.Key]
		if !ok || inv.Index < span[0] || inv.Index > span[1] {
			continue
		}
		if _, _, keep, err := m.encode(inv, p.Completion); err != nil || keep {
			continue
		}
		if budget >= 0 && len(out) >= budget {
			left++
			continue
		}
		out = append(out, asideAnnotation(p))
	}
	return out, left
}

// asideAnnotation is one left-out op: "fail: enqueue 5", with what it did
// and why it is not checked in its tooltip.
func asideAnnotation(p history.Pair) porcupine.Annotation {
	inv, comp := p.Invoke, p.Completion
	typ := string(p.Type())
	if p.Open() {
		typ = "open"
	}
	val := inv.Value
	if comp != nil && comp.Type == history.OK && len(comp.Value) > 0 {
		val = comp.Value
	}
	desc := typ + ": " + inv.F
	if v := history.Compact(val); v != "" {
		desc += " " + history.Clip(v, 40)
	}
	details := fmt.Sprintf("index %d, process %s", inv.Index, inv.Process)
	node := inv.Node
	end := inv.Time
	returned := "never returned"
	if comp != nil {
		if comp.Node != "" {
			node = comp.Node
		}
		end = max(comp.Time, inv.Time)
		returned = "returned " + seconds(comp.Time)
	}
	if node != "" {
		details += ", node " + node
	}
	details += ", " + typ
	if comp != nil && comp.Error != "" {
		details += ": " + history.Clip(comp.Error, 300)
	}
	details += fmt.Sprintf("; invoked %s, %s. ", seconds(inv.Time), returned)
	a := porcupine.Annotation{ClientId: int(inv.Process), Start: inv.Time, End: end, Description: desc}
	if p.Type() == history.Fail {
		a.Details = details + "Not part of the check: a failed op did not happen."
		a.BackgroundColor, a.TextColor = "#e6e6e6", "#9b1c1c"
	} else {
		a.Details = details + "Not part of the check: its outcome cannot change the verdict."
		a.BackgroundColor, a.TextColor = "#f3eedc", "#555555"
	}
	return a
}
