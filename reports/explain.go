package reports

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

// LinAnomaly is the linearizable checker's description of an illegal key,
// as written in results.json under details.anomaly.
type LinAnomaly struct {
	Key       string `json:"key"`
	Op        string `json:"op"`         // the op that cannot be linearized
	Index     int64  `json:"index"`      // its invoke's index
	Process   string `json:"process"`    // its process
	Last      string `json:"last"`       // the last op of the longest linearizable prefix
	LastIndex *int64 `json:"last_index"` // its invoke's index; nil when the prefix is empty
	PrefixLen int    `json:"prefix_len"`
	State     string `json:"state"` // the model's state after the prefix
}

// linAnomaly reads the anomaly from a checker result's details; nil when
// there is none. It goes through JSON so that it reads the same from a
// result in memory and from results.json.
func linAnomaly(r checker.Result) *LinAnomaly {
	raw, ok := r.Details["anomaly"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var a LinAnomaly
	if json.Unmarshal(b, &a) != nil || a.Key == "" {
		return nil
	}
	return &a
}

// illegalKeys reads details.illegal_keys, in memory or from JSON.
func illegalKeys(r checker.Result) []string {
	if ks := checker.IllegalKeys(r); len(ks) > 0 {
		return ks
	}
	var ks []string
	if b, err := json.Marshal(r.Details["illegal_keys"]); err == nil {
		json.Unmarshal(b, &ks)
	}
	return ks
}

// Explanation is one checker's result put in words for the report.
type Explanation struct {
	Checker string
	Verdict checker.Verdict
	// Badge is what the card's badge says: the verdict, or "info" for an
	// informational checker (it counts; it does not judge).
	Badge   string
	Summary string
	// Words are paragraphs that explain the anomaly to someone who has not
	// read the checker's code; empty for a valid result.
	Words []string
	// Anomaly, for a linearizability failure, is the illegal key's story.
	Anomaly *AnomalyView
	// Values, for a queue's or a set's failure, are the ops of the values
	// lost, duplicated or unexpected, and the faults around them.
	Values *ValuesView
}

// AnomalyView is what the report shows of a linearizability anomaly.
type AnomalyView struct {
	LinAnomaly
	Time     int64            // when the culprit completed, ns since start
	Faults   []fault.Interval // faults in place while the culprit ran
	Ops      []OpRow          // the key's ops around the anomaly
	Timeline string           // the key's own timeline file, relative to the run dir; "" if none
	Others   []string
}

// OpRow is one op of the anomaly table.
type OpRow struct {
	Index      int64
	Process    string
	Node       string
	Call       string // f(key, value)
	Outcome    string // ok 3, fail: error, info: error
	Type       history.Type
	Start, End string // seconds since start
	Mark       string // "cannot be linearized", "last op of the legal prefix", "wrote the value read"
}

// explain puts each checker's result in words.
func explain(h history.History, res checker.Results, faults []fault.Interval, timelines map[string]string, dir string) []Explanation {
	var out []Explanation
	// The failing checkers first, then the undecided, then the rest: a
	// reader sees first what made the verdict.
	names := sortedKeys(res.Checkers)
	rank := func(n string) int {
		switch r := res.Checkers[n]; {
		case r.Verdict == checker.Invalid:
			return 0
		case r.Verdict != checker.Valid:
			return 1
		case r.Informational:
			return 3
		}
		return 2
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	for _, name := range names {
		r := res.Checkers[name]
		e := Explanation{Checker: name, Verdict: r.Verdict, Badge: string(r.Verdict), Summary: r.Summary}
		if r.Informational && r.Verdict == checker.Valid {
			e.Badge = "info"
		}
		if a := linAnomaly(r); a != nil && r.Verdict == checker.Invalid {
			v := anomalyView(h, *a, faults)
			v.Timeline = timelines[a.Key]
			for _, k := range illegalKeys(r) {
				if k != a.Key {
					v.Others = append(v.Others, k)
				}
			}
			e.Anomaly = v
			e.Words = anomalyWords(v)
		} else if v := valuesView(h, r, faults); v != nil && r.Verdict == checker.Invalid {
			e.Values = v
			e.Words = append([]string{"The checker found an anomaly: " + r.Summary}, v.Words...)
		} else {
			switch r.Verdict {
			case checker.Invalid:
				e.Words = []string{"The checker found an anomaly: " + r.Summary}
			case checker.Unknown:
				e.Words = []string{"The checker could not decide, so the run proves nothing either way: " + r.Summary,
					fmt.Sprintf("To decide it, re-check the recorded history with a larger budget (no cluster needed): faultline analyze --check-timeout 10m %s", dir)}
			}
		}
		out = append(out, e)
	}
	return out
}

func anomalyWords(v *AnomalyView) []string {
	var w []string
	w = append(w, fmt.Sprintf("Key %q is not linearizable: no order of its operations is both consistent with real time "+
		"(an op that completed before another began comes first) and legal for a single copy of the data.", v.Key))
	if v.LastIndex != nil {
		w = append(w, fmt.Sprintf("At most %d of its operations can be put in such an order. The last of them is %s (index %d), "+
			"which leaves the value %s. The next operation that must follow, %s (index %d, process %s), cannot: "+
			"it is not a legal step from %s, and no other order of the operations gets past it.",
			v.PrefixLen, v.Last, *v.LastIndex, v.State, v.Op, v.Index, v.Process, v.State))
	} else {
		w = append(w, fmt.Sprintf("Not even the first operation can be ordered: %s (index %d, process %s) is not a legal step from the initial value %s.",
			v.Op, v.Index, v.Process, v.State))
	}
	when := fmt.Sprintf("It completed at %s", fmtSecs(v.Time))
	if len(v.Faults) == 0 {
		when += ", when no fault was in place."
	} else {
		var fs []string
		for _, f := range v.Faults {
			fs = append(fs, fmt.Sprintf("%s (from %s)", f.Short, fmtSecs(f.Start)))
		}
		when += ", during " + strings.Join(fs, " and ") + "."
	}
	w = append(w, when)
	if len(v.Others) > 0 {
		w = append(w, fmt.Sprintf("Other keys that are not linearizable either: %s.", strings.Join(quoteAll(v.Others, 10), ", ")))
	}
	return w
}

func quoteAll(ks []string, n int) []string {
	var out []string
	for i, k := range ks {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(ks)-n))
			break
		}
		out = append(out, fmt.Sprintf("%q", k))
	}
	return out
}

func fmtSecs(ns int64) string { return fmt.Sprintf("%.3fs", float64(ns)/1e9) }

// maxAnomalyRows bounds the anomaly table.
const maxAnomalyRows = 30

// anomalyView collects the key's ops that explain the anomaly: those that
// overlap the span from the legal prefix's last op to the culprit's
// completion, the writes of the value the culprit read, and the last few
// successful ops before that span.
func anomalyView(h history.History, a LinAnomaly, faults []fault.Interval) *AnomalyView {
	v := &AnomalyView{LinAnomaly: a}
	var pairs []history.Pair
	for _, p := range h.Pairs() {
		if !p.Invoke.IsNemesis() && p.Invoke.Key == a.Key {
			pairs = append(pairs, p)
		}
	}
	var end int64
	if len(h) > 0 {
		end = h[len(h)-1].Time
	}
	done := func(p history.Pair) int64 {
		if p.Completion != nil {
			return p.Completion.Time
		}
		return end
	}
	culprit, last := -1, -1
	for i, p := range pairs {
		if p.Invoke.Index == a.Index {
			culprit = i
		}
		if a.LastIndex != nil && p.Invoke.Index == *a.LastIndex {
			last = i
		}
	}
	if culprit < 0 {
		return v
	}
	cp := pairs[culprit]
	v.Time = done(cp)
	for _, f := range faults {
		if f.Start <= v.Time && cp.Invoke.Time <= f.End {
			v.Faults = append(v.Faults, f)
		}
	}
	from := cp.Invoke.Time
	if last >= 0 {
		from = min(from, pairs[last].Invoke.Time)
	}
	var read json.RawMessage
	if cp.Completion != nil && cp.Completion.Type == history.OK {
		read = cp.Completion.Value
	}
	marks := map[int]string{culprit: "cannot be linearized"}
	if last >= 0 {
		marks[last] = "last op of the legal prefix"
	}
	keep := map[int]bool{culprit: true, last: last >= 0}
	for i, p := range pairs {
		if done(p) >= from && p.Invoke.Time <= v.Time {
			keep[i] = true
		}
		if len(read) > 0 && i != culprit && p.Invoke.F != cp.Invoke.F && writes(p.Invoke.Value, read) {
			keep[i] = true
			if marks[i] == "" {
				marks[i] = "wrote the value read"
			}
		}
		if a.State != "" && i < culprit && p.Type() == history.OK && p.Invoke.F != cp.Invoke.F && writes(p.Invoke.Value, json.RawMessage(a.State)) {
			keep[i] = true
			if marks[i] == "" {
				marks[i] = "wrote the value the key held"
			}
		}
	}
	// The last few ok ops before the span, for the context of the state.
	n := 0
	for i := culprit - 1; i >= 0 && n < 3; i-- {
		if !keep[i] && pairs[i].Type() == history.OK && done(pairs[i]) < from {
			keep[i] = true
			n++
		}
	}
	var rows []int
	for i := range pairs {
		if keep[i] {
			rows = append(rows, i)
		}
	}
	if len(rows) > maxAnomalyRows {
		// Keep the marked rows and the rows nearest the culprit.
		var kept []int
		for _, i := range rows {
			if marks[i] != "" {
				kept = append(kept, i)
			}
		}
		for d := 0; len(kept) < maxAnomalyRows && d < len(pairs); d++ {
			for _, i := range []int{culprit - d, culprit + d} {
				if d > 0 && i >= 0 && i < len(pairs) && keep[i] && marks[i] == "" && len(kept) < maxAnomalyRows {
					kept = append(kept, i)
				}
			}
		}
		rows = sortInts(kept)
	}
	for _, i := range rows {
		v.Ops = append(v.Ops, opRow(pairs[i], marks[i]))
	}
	return v
}

// opRow is one op as a table row, marked with mark.
func opRow(p history.Pair, mark string) OpRow {
	r := OpRow{Index: p.Invoke.Index, Process: p.Invoke.Process.String(), Node: p.Invoke.Node,
		Call: call(p.Invoke), Type: p.Type(), Start: fmtSecs(p.Invoke.Time), End: "never", Mark: mark}
	if c := p.Completion; c != nil {
		r.End = fmtSecs(c.Time)
		r.Outcome = string(c.Type)
		switch {
		case c.Type == history.OK && len(c.Value) > 0:
			r.Outcome += " " + history.Compact(c.Value)
		case c.Type == history.OK && p.Invoke.F == "read":
			r.Outcome += " nil" // a read of nothing: the key held no value
		}
		if c.Error != "" {
			r.Outcome += ": " + c.Error
		}
		if c.Node != "" {
			r.Node = c.Node
		}
	} else {
		r.Outcome = "never completed"
	}
	return r
}

// writes reports whether an invoke value v writes val: equal, or the new
// value of a [old, new] cas.
func writes(v, val json.RawMessage) bool {
	if string(v) == string(val) {
		return true
	}
	var pair []json.RawMessage
	return json.Unmarshal(v, &pair) == nil && len(pair) == 2 && string(pair[1]) == string(val)
}

func call(op history.Op) string {
	args := []string{}
	if op.Key != "" {
		args = append(args, fmt.Sprintf("%q", op.Key))
	}
	if v := string(op.Value); v != "" && v != "null" {
		args = append(args, history.Compact(op.Value))
	}
	return op.F + "(" + strings.Join(args, ", ") + ")"
}

func sortInts(v []int) []int {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v
}

func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
