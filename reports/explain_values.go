package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

// ValuesView is what the report shows of a queue's or a set's anomalous
// values (the checker's details.value_ops): their ops in a table, when
// the anomaly showed, and in words, which node acknowledged the lost
// values and which fault was in place then or came right after.
type ValuesView struct {
	// Time is when the anomaly showed, ns since the start: the last
	// acknowledgement of a lost value, else the first dequeue or read
	// that showed a duplicated or unexpected one. It is marked on the
	// fault strip; 0 when no op of the values is in the history.
	Time int64
	// Rows are the values' ops, in history order; Shown of Total.
	Rows         []ValueRow
	Shown, Total int
	// Words say, for each node that acknowledged lost values, how many,
	// and the faults around the acknowledgements.
	Words []string
}

// ValueRow is one op of the values table.
type ValueRow struct {
	OpRow
	// Class is the row's CSS class: mark-culprit for the write of a lost
	// value, mark-wrote for an op that returned an anomalous value,
	// mark-last for one that should have returned it and did not.
	Class string
}

// maxValueRows bounds the values table.
const maxValueRows = 60

// nearAfter is how soon after an acknowledgement a fault that began is
// still named as coming right after it.
const nearAfter = int64(1e9)

// valueOps reads details.value_ops and value_ops_total from a checker
// result, in memory or from results.json (it goes through JSON); ok is
// false when the result has none.
func valueOps(r checker.Result) (ops []checker.ValueOp, total map[string]int, ok bool) {
	raw, found := r.Details["value_ops"]
	if !found {
		return nil, nil, false
	}
	b, err := json.Marshal(raw)
	if err != nil || json.Unmarshal(b, &ops) != nil {
		return nil, nil, false
	}
	if b, err := json.Marshal(r.Details["value_ops_total"]); err == nil {
		json.Unmarshal(b, &total)
	}
	return ops, total, true
}

// valuesView builds the view of r's anomalous values; nil when r lists
// none.
func valuesView(h history.History, r checker.Result, faults []fault.Interval) *ValuesView {
	ops, total, ok := valueOps(r)
	if !ok || len(ops) == 0 {
		return nil
	}
	pairs := map[int64]history.Pair{}
	for _, p := range h.Pairs() {
		if !p.Invoke.IsNemesis() {
			pairs[p.Invoke.Index] = p
		}
	}
	v := &ValuesView{}
	v.rows(ops, pairs)
	v.Time = anomalyTime(ops, pairs)
	v.Words = valueWords(ops, total, pairs, faults, lostNumber(r))
	return v
}

// rows fills the table: each value's ops in turn until the table is
// full, then in history order.
func (v *ValuesView) rows(ops []checker.ValueOp, pairs map[int64]history.Pair) {
	notes := map[int64][]string{}
	class := map[int64]string{}
	rank := map[string]int{"mark-culprit": 3, "mark-wrote": 2, "mark-last": 1}
	var order []int64
	note := func(i int64, cls, text string) {
		if _, ok := pairs[i]; !ok {
			return
		}
		if _, seen := notes[i]; !seen {
			order = append(order, i)
		}
		notes[i] = append(notes[i], text)
		if rank[cls] > rank[class[i]] {
			class[i] = cls
		}
	}
	for _, o := range ops {
		name := valueName(o)
		if o.Write != nil {
			cls, text := "mark-wrote", "wrote "+name
			switch {
			case (o.Kind == "lost" || o.Kind == "missing_at_final") && o.Acked:
				cls, text = "mark-culprit", "acknowledged "+name+", "+valueKindWords(o.Kind)
			case o.Kind == "lost" || o.Kind == "missing_at_final":
				text = "wrote " + name + " (indeterminate), " + valueKindWords(o.Kind)
			case o.Kind == "unexpected":
				text = "wrote " + name + " and failed, yet it was read"
			}
			note(*o.Write, cls, text)
		}
		for n, i := range o.Seen {
			text := "returned " + name
			switch {
			case o.Kind == "duplicated":
				text = fmt.Sprintf("returned %s (%d of %d)", name, n+1, len(o.Seen))
			case o.Kind == "unexpected" && o.Write == nil:
				text = "returned " + name + ", never written"
			case o.Kind == "unexpected":
				text = "returned " + name + ", whose write failed"
			case o.Key != "":
				text = "first read showing " + name
			}
			note(i, "mark-wrote", text)
		}
		for _, i := range o.Missed {
			text := "lacked " + name + " after it was seen"
			if o.Kind == "missing_at_final" {
				text = "final read lacking " + name
			}
			note(i, "mark-last", text)
		}
	}
	v.Total = len(order)
	if len(order) > maxValueRows {
		order = order[:maxValueRows]
	}
	slices.Sort(order)
	for _, i := range order {
		ns := notes[i]
		if len(ns) > 3 {
			ns = append(slices.Clone(ns[:3]), fmt.Sprintf("and %d more", len(ns)-3))
		}
		v.Rows = append(v.Rows, ValueRow{OpRow: opRow(pairs[i], strings.Join(ns, "; ")), Class: class[i]})
	}
	v.Shown = len(v.Rows)
}

func valueName(o checker.ValueOp) string {
	if o.Key != "" {
		return fmt.Sprintf("%s:%d", o.Key, o.Value)
	}
	return fmt.Sprint(o.Value)
}

func valueKindWords(kind string) string {
	switch kind {
	case "lost":
		return "lost"
	case "missing_at_final":
		return "missing at the final reads"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// opDone is when p completed; ok is false for an op that never did.
func opDone(p history.Pair) (int64, bool) {
	if p.Completion == nil {
		return 0, false
	}
	return p.Completion.Time, true
}

// ackNode is the node that answered p: its completion's, else its invoke's.
func ackNode(p history.Pair) string {
	if p.Completion != nil && p.Completion.Node != "" {
		return p.Completion.Node
	}
	return p.Invoke.Node
}

// anomalyTime is when the anomaly showed (see ValuesView.Time).
func anomalyTime(ops []checker.ValueOp, pairs map[int64]history.Pair) int64 {
	var lastAck int64 = -1
	var first int64 = -1
	for _, o := range ops {
		if isLostKind(o) && o.Acked && o.Write != nil {
			if t, ok := opDone(pairs[*o.Write]); ok {
				lastAck = max(lastAck, t)
			}
		}
		// A duplicate shows at its second dequeue, an unexpected value at
		// its first.
		at := 0
		switch o.Kind {
		case "duplicated":
			at = 1
		case "unexpected":
		default:
			continue
		}
		if at < len(o.Seen) {
			if t, ok := opDone(pairs[o.Seen[at]]); ok && (first < 0 || t < first) {
				first = t
			}
		}
	}
	switch {
	case lastAck >= 0:
		return lastAck
	case first >= 0:
		return first
	}
	return 0
}

func isLostKind(o checker.ValueOp) bool { return o.Kind == "lost" || o.Kind == "missing_at_final" }

// lostNumber is the queue's details.lost (the values certainly lost), -1
// when there is none (the set's "lost" is a list of examples).
func lostNumber(r checker.Result) int {
	b, err := json.Marshal(r.Details["lost"])
	if err != nil {
		return -1
	}
	var n float64
	if json.Unmarshal(b, &n) != nil || n < 0 || n != math.Trunc(n) {
		return -1
	}
	return int(n)
}

// lostAck is one acknowledged write of a lost value.
type lostAck struct {
	node string
	at   int64
}

// valueWords puts the values in words: which nodes acknowledged the lost
// ones, with the faults around those acknowledgements; when the
// duplicates and unexpected values showed, under which faults.
func valueWords(ops []checker.ValueOp, total map[string]int, pairs map[int64]history.Pair, faults []fault.Interval, certain int) []string {
	var w []string
	// Lost: one value once, whether lost in a read, at the final reads or
	// both.
	seen := map[string]bool{}
	var acks []lostAck
	unacked := 0
	noun := ""
	for _, o := range ops {
		if !isLostKind(o) || seen[valueName(o)] {
			continue
		}
		seen[valueName(o)] = true
		if o.Write == nil {
			continue
		}
		p, ok := pairs[*o.Write]
		if !ok {
			continue
		}
		if noun == "" {
			noun = p.Invoke.F + "s"
		}
		t, completed := opDone(p)
		if !o.Acked || !completed {
			unacked++
			continue
		}
		acks = append(acks, lostAck{node: ackNode(p), at: t})
	}
	listed := map[string]int{}
	for _, o := range ops {
		listed[o.Kind]++
	}
	for _, k := range []string{"lost", "missing_at_final", "duplicated", "unexpected"} {
		if total[k] > listed[k] {
			w = append(w, fmt.Sprintf("The checker found %d values %s; the first %d are listed and described here.", total[k], valueKindWords(k), listed[k]))
		}
	}
	if len(acks) > 0 {
		lost := "lost " + noun
		if certain >= 0 && certain < len(acks) {
			lost = "never-dequeued " + noun
			w = append(w, fmt.Sprintf("%d acknowledged %s were never dequeued; at least %d of them are lost (the others may have been taken by dequeues whose outcome is unknown).", len(acks), noun, certain))
		}
		w = append(w, lostGroups(acks, lost, faults)...)
	}
	if unacked > 0 {
		w = append(w, fmt.Sprintf("%d more lost values were read although their write was never acknowledged.", unacked))
	}
	for _, k := range []struct{ kind, one, many, shows string }{
		{"duplicated", "value was returned more than once", "values were returned more than once", "returned again"},
		{"unexpected", "value was returned that was never written, or whose write failed", "values were returned that were never written, or whose write failed", "returned"},
	} {
		n := total[k.kind]
		if n == 0 {
			continue
		}
		words := k.many
		if n == 1 {
			words = k.one
		}
		var first int64 = -1
		var firstName string
		for _, o := range ops {
			at := 0
			if o.Kind != k.kind {
				continue
			}
			if k.kind == "duplicated" {
				at = 1
			}
			if at < len(o.Seen) {
				if t, ok := opDone(pairs[o.Seen[at]]); ok && (first < 0 || t < first) {
					first, firstName = t, valueName(o)
				}
			}
		}
		s := fmt.Sprintf("%d %s.", n, words)
		if first >= 0 {
			s = fmt.Sprintf("%d %s; the first, %s, was %s at %s, %s.", n, words, firstName, k.shows, fmtSecs(first), inPlaceWords(fault.At(faults, first)))
		}
		w = append(w, s)
	}
	return w
}

func inPlaceWords(fs []fault.Interval) string {
	if len(fs) == 0 {
		return "when no fault was in place"
	}
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s (from %s)", f.Short, fmtSecs(f.Start)))
	}
	return "during " + strings.Join(parts, " and ")
}

// maxGroups bounds the node groups put in words.
const maxGroups = 5

// lostGroups is one sentence per node that acknowledged lost values: how
// many, and which faults were in place at those acknowledgements or began
// within nearAfter after one, that node's own (a kill or pause of it, a
// partition that cut it off) first.
func lostGroups(acks []lostAck, lost string, faults []fault.Interval) []string {
	by := map[string][]int64{}
	for _, a := range acks {
		by[a.node] = append(by[a.node], a.at)
	}
	nodes := sortedKeys(by)
	sort.SliceStable(nodes, func(i, j int) bool { return len(by[nodes[i]]) > len(by[nodes[j]]) })
	var w []string
	for gi, node := range nodes {
		if gi == maxGroups {
			w = append(w, fmt.Sprintf("%d more nodes acknowledged the others.", len(nodes)-maxGroups))
			break
		}
		times := by[node]
		slices.Sort(times)
		name := node
		if name == "" {
			name = "a node the history does not name"
		}
		var s string
		switch {
		case len(nodes) == 1 && len(times) == 1:
			s = fmt.Sprintf("The %s was acknowledged by %s", strings.TrimSuffix(lost, "s"), name)
		case len(nodes) == 1 && len(times) == 2:
			s = fmt.Sprintf("Both %s were acknowledged by %s", lost, name)
		case len(nodes) == 1:
			s = fmt.Sprintf("All %d %s were acknowledged by %s", len(times), lost, name)
		case len(times) == 1:
			s = fmt.Sprintf("1 of the %d %s was acknowledged by %s", len(acks), lost, name)
		default:
			s = fmt.Sprintf("%d of the %d %s were acknowledged by %s", len(times), len(acks), lost, name)
		}
		parts := faultParts(node, times, faults)
		if len(parts) == 0 {
			s += "; no fault was in place at " + itOrThem(len(times)) + " or began within 1 s after."
		} else {
			s += "; " + strings.Join(parts, "; ") + "."
		}
		w = append(w, s)
	}
	return w
}

func itOrThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// maxFaultParts bounds the faults named for one node.
const maxFaultParts = 3

// faultParts names the faults around the acknowledgements at times by
// node: the node's own first, then the others, each by start.
func faultParts(node string, times []int64, faults []fault.Interval) []string {
	type part struct {
		own  bool
		text string
	}
	var ps []part
	last := times[len(times)-1]
	for _, f := range faults {
		inPlace, before := 0, 0
		for _, t := range times {
			switch {
			case f.Start <= t && t <= f.End:
				inPlace++
			case t < f.Start && f.Start <= t+nearAfter:
				before++
			}
		}
		if inPlace == 0 && before == 0 {
			continue
		}
		how, own := faultHits(f)[node]
		what := intervalWords(f)
		var text string
		switch {
		case own && inPlace == 0 && f.Start > last:
			text = fmt.Sprintf("%s was %s %s after the last of them (%s)", node, how, gapWords(f.Start-last), what)
		case own && inPlace == 0:
			text = fmt.Sprintf("%s was %s within 1 s after %d of them (%s)", node, how, before, what)
		case own:
			text = fmt.Sprintf("%s was %s while it acknowledged %s (%s)", node, how, ackCount(inPlace, len(times)), what)
		case inPlace == 0 && f.Start > last:
			text = fmt.Sprintf("%s began %s after the last of them (%s)", familyNoun(f.Family), gapWords(f.Start-last), what)
		case inPlace == 0:
			text = fmt.Sprintf("%s began within 1 s after %d of them (%s)", familyNoun(f.Family), before, what)
		default:
			text = fmt.Sprintf("%s was in place when %s acknowledged %s (%s)", familyNoun(f.Family), node, ackCount(inPlace, len(times)), what)
		}
		ps = append(ps, part{own, text})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].own && !ps[j].own })
	var out []string
	for i, p := range ps {
		if i == maxFaultParts {
			out = append(out, fmt.Sprintf("and %d more faults", len(ps)-maxFaultParts))
			break
		}
		out = append(out, p.text)
	}
	return out
}

func ackCount(n, of int) string {
	switch {
	case n == of && n == 1:
		return "it"
	case n == of && n == 2:
		return "both"
	case n == of:
		return fmt.Sprintf("all %d", n)
	}
	return fmt.Sprintf("%d of them", n)
}

// familyNoun is "a partition", "an unknown-fault": the family as a noun.
func familyNoun(fam string) string {
	if fam != "" && strings.ContainsRune("aeiou", rune(fam[0])) {
		return "an " + fam
	}
	return "a " + fam
}

// intervalWords is "kill 12.4 s–20.1 s": the fault's family and its span.
func intervalWords(f fault.Interval) string {
	s := fmt.Sprintf("%s %.1f s–%.1f s", f.Family, float64(f.Start)/1e9, float64(f.End)/1e9)
	if !f.Healed {
		s = fmt.Sprintf("%s from %.1f s, never healed", f.Family, float64(f.Start)/1e9)
	}
	if f.Uncertain {
		s += ", may not have taken effect"
	}
	return s
}

// gapWords is a short gap in words: "0.3 s", "40 ms".
func gapWords(ns int64) string {
	if ns >= 1e8 {
		return fmt.Sprintf("%.1f s", float64(ns)/1e9)
	}
	return fmt.Sprintf("%d ms", max((ns+5e5)/1e6, 1))
}

// faultHits says which nodes a fault hit and how, from its opening ops'
// values: the nodes a kill or pause acted on, the nodes a partition cut
// off (and from whom), the nodes whose clock was moved. A fault whose ops
// name no node (netem, a partition without its grudge) hits none by name.
func faultHits(f fault.Interval) map[string]string {
	out := map[string]string{}
	for _, p := range f.Opened {
		var vals []json.RawMessage
		if p.Completion != nil {
			vals = append(vals, p.Completion.Value)
		}
		vals = append(vals, p.Invoke.Value)
		for _, v := range vals {
			if addFaultHits(f.Family, v, out) {
				break
			}
		}
	}
	return out
}

// addFaultHits adds to out the nodes v names, by family; false when v names
// none.
func addFaultHits(family string, v json.RawMessage, out map[string]string) bool {
	if len(v) == 0 {
		return false
	}
	var nodes []string
	if json.Unmarshal(v, &nodes) == nil && len(nodes) > 0 {
		how := map[string]string{"kill": "killed", "pause": "paused"}[family]
		if how == "" {
			how = "hit by " + familyNoun(family)
		}
		for _, n := range nodes {
			out[n] = how
		}
		return true
	}
	switch family {
	case "partition":
		var g map[string][]string
		if json.Unmarshal(v, &g) != nil || len(g) == 0 {
			return false
		}
		cut := map[string]map[string]bool{}
		for a, bs := range g {
			for _, b := range bs {
				for _, pr := range [][2]string{{a, b}, {b, a}} {
					if cut[pr[0]] == nil {
						cut[pr[0]] = map[string]bool{}
					}
					cut[pr[0]][pr[1]] = true
				}
			}
		}
		for n, from := range cut {
			out[n] = "cut off from " + strings.Join(sortedKeys(from), ", ")
		}
		return len(cut) > 0
	case "clock":
		var c struct {
			SetNs map[string]int64 `json:"set_ns"`
		}
		if json.Unmarshal(v, &c) != nil {
			return false
		}
		for n, off := range c.SetNs {
			if off != 0 {
				out[n] = "given a skewed clock"
			}
		}
		return len(c.SetNs) > 0
	}
	return false
}
