package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// FinalRead is the f of the final phase's local reads (workloads/final):
// one node's own stored state of one key, read after the heal without
// coordination. Invoke Value {"round": r}; ok Value {"value": v, "ts": t,
// "replica": b, "round": r} for kv keys, {"elements": [...], "replica": b,
// "round": r} for sets.
const FinalRead = "final-read"

// HealF is the f of the runner's final heal (a nemesis op); the time to
// converge is counted from its completion.
const HealF = "heal"

// maxExamples bounds the example lists in checker Details.
const maxExamples = 20

// Convergence checks, from the final reads, that the replicas of every key
// agree once faults are healed: per key, in the last round of final reads,
// every read succeeded and every node that reports itself a replica holds
// the same state (kv: the same value; sets: the same elements). For sets
// it also checks the final state against the client history: every
// acknowledged add is there (else lost) and nothing that was never added
// is (else unexpected). The time to converge runs from the heal to the
// end of the first round in which every key agreed.
//
// Invalid: a key diverges at the end, a set lost an acknowledged element,
// or holds one never added. Unknown: there are no final reads, or some
// key's last round has a failed read or no replica (so agreement cannot be
// shown). Valid otherwise.
type Convergence struct{}

// Name is "convergence".
func (Convergence) Name() string { return "convergence" }

// finalObs is one completed final read.
type finalObs struct {
	ok      bool
	replica bool
	state   string  // canonical state, for comparing replicas
	set     []int64 // the elements, for sets
	isSet   bool
	time    int64 // completion time
}

// finalRound is every read of one key in one round, by node.
type finalRound map[string]finalObs

type finalValue struct {
	Round    *int            `json:"round"`
	Replica  bool            `json:"replica"`
	Value    json.RawMessage `json:"value"`
	Elements *[]int64        `json:"elements"`
}

// finalReads groups the history's final reads by key and round.
func finalReads(h history.History) (map[string]map[int]finalRound, error) {
	out := map[string]map[int]finalRound{}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F != FinalRead {
			continue
		}
		var iv finalValue
		if err := json.Unmarshal(inv.Value, &iv); err != nil || iv.Round == nil {
			return nil, fmt.Errorf("%w: checker: final read %d has no round in its value %s", ErrBadInput, inv.Index, inv.Value)
		}
		var o finalObs
		if c := p.Completion; c != nil {
			o.time = c.Time
			if c.Type == history.OK {
				var v finalValue
				if err := json.Unmarshal(c.Value, &v); err != nil {
					return nil, fmt.Errorf("%w: checker: final read %d: value %s: %v", ErrBadInput, c.Index, c.Value, err)
				}
				o.ok, o.replica = true, v.Replica
				if v.Elements != nil {
					o.isSet = true
					o.set = slices.Compact(slices.Sorted(slices.Values(*v.Elements)))
					o.state = fmt.Sprint(o.set)
				} else {
					val := strings.TrimSpace(string(v.Value))
					if val == "" {
						val = "null"
					}
					o.state = val
				}
			}
		}
		if out[inv.Key] == nil {
			out[inv.Key] = map[int]finalRound{}
		}
		if out[inv.Key][*iv.Round] == nil {
			out[inv.Key][*iv.Round] = finalRound{}
		}
		out[inv.Key][*iv.Round][inv.Node] = o
	}
	return out, nil
}

// agreement says whether a round shows the key converged: every read ok,
// at least one replica, all replicas in one state. why explains a no.
func (r finalRound) agreement() (agree, verified bool, why string) {
	var states []string
	for _, n := range sortedKeys(r) {
		o := r[n]
		if !o.ok {
			return false, false, fmt.Sprintf("the final read on %s failed", n)
		}
		if o.replica {
			states = append(states, n+"="+o.state)
		}
	}
	if len(states) == 0 {
		return false, false, "no node reports itself a replica"
	}
	first := states[0][strings.Index(states[0], "=")+1:]
	for _, s := range states[1:] {
		if s[strings.Index(s, "=")+1:] != first {
			return false, true, strings.Join(states, ", ")
		}
	}
	return true, true, ""
}

// healTime is when the runner's final heal completed (or was invoked, if it
// never completed); ok=false when the history has no heal.
func healTime(h history.History) (int64, bool) {
	var t int64
	found := false
	for _, o := range h {
		if o.IsNemesis() && o.F == HealF {
			t, found = o.Time, true // the last heal op wins: its completion when present
		}
	}
	return t, found
}

// addOutcomes lists, per key, the elements of acknowledged adds and of
// every attempted add.
func addOutcomes(h history.History) (acked, attempted map[string]map[int64]bool, err error) {
	acked, attempted = map[string]map[int64]bool{}, map[string]map[int64]bool{}
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F != "add" {
			continue
		}
		var e int64
		if err := json.Unmarshal(inv.Value, &e); err != nil {
			return nil, nil, fmt.Errorf("%w: checker: add %d: element %s is not an int", ErrBadInput, inv.Index, inv.Value)
		}
		if attempted[inv.Key] == nil {
			attempted[inv.Key], acked[inv.Key] = map[int64]bool{}, map[int64]bool{}
		}
		attempted[inv.Key][e] = true
		if p.Type() == history.OK {
			acked[inv.Key][e] = true
		}
	}
	return acked, attempted, nil
}

// Check judges the final reads of h.
func (Convergence) Check(ctx context.Context, h history.History) Result {
	reads, err := finalReads(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	if len(reads) == 0 {
		return Result{Verdict: Unknown, Summary: "no final reads: convergence was not measured (the workload has no final phase, or it did not run)"}
	}
	acked, attempted, err := addOutcomes(h)
	if err != nil {
		return Result{Verdict: Unknown, Summary: err.Error()}
	}
	heal, hasHeal := healTime(h)
	var (
		divergent, unverified []string
		divergentWhy          = map[string]string{}
		convergedAt           = map[string]int64{} // key -> end of its first agreeing round
		lost                  = map[string][]int64{}
		unexpected            = map[string][]int64{}
		lostN, unexpectedN    int
	)
	keys := sortedKeys(reads)
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return Result{Verdict: Unknown, Summary: "checker: convergence: " + err.Error()}
		}
		rounds := slices.Sorted(maps.Keys(reads[key]))
		for _, r := range rounds {
			if agree, _, _ := reads[key][r].agreement(); agree {
				convergedAt[key] = reads[key][r].end()
				break
			}
		}
		last := reads[key][rounds[len(rounds)-1]]
		agree, verified, why := last.agreement()
		switch {
		case !verified:
			unverified = append(unverified, key)
			divergentWhy[key] = why
		case !agree:
			divergent = append(divergent, key)
			divergentWhy[key] = why
		}
		if !last.isSet() {
			continue
		}
		final := map[int64]bool{}
		for _, o := range last {
			if o.ok && o.replica {
				for _, e := range o.set {
					final[e] = true
				}
			}
		}
		for _, e := range slices.Sorted(maps.Keys(acked[key])) {
			if !final[e] {
				lostN++
				if len(lost[key]) < maxExamples {
					lost[key] = append(lost[key], e)
				}
			}
		}
		for _, e := range slices.Sorted(maps.Keys(final)) {
			if !attempted[key][e] {
				unexpectedN++
				if len(unexpected[key]) < maxExamples {
					unexpected[key] = append(unexpected[key], e)
				}
			}
		}
	}
	details := map[string]any{
		"keys":             len(keys),
		"divergent":        nonNil(divergent),
		"unverified":       nonNil(unverified),
		"why":              divergentWhy,
		"lost_count":       lostN,
		"lost":             lost,
		"unexpected_count": unexpectedN,
		"unexpected":       unexpected,
	}
	ttc := any(nil)
	if len(convergedAt) == len(keys) && hasHeal {
		var end int64
		for _, t := range convergedAt {
			end = max(end, t)
		}
		ttc = float64(end-heal) / 1e6
	}
	details["time_to_converge_ms"] = ttc
	if hasHeal {
		byKey := map[string]float64{}
		for k, t := range convergedAt {
			byKey[k] = float64(t-heal) / 1e6
		}
		details["converge_ms_by_key"] = byKey
	}
	an := Anomalies{AnomalyDivergentKey: len(divergent)}
	var measures map[string]float64
	if v, ok := ttc.(float64); ok {
		measures = map[string]float64{"converge_ms": v}
	}
	var problems []string
	if len(divergent) > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d keys diverge at the end (%s)", len(divergent), len(keys), quoteList(divergent, 5)))
	}
	if lostN > 0 {
		problems = append(problems, fmt.Sprintf("%d acknowledged elements lost", lostN))
	}
	if unexpectedN > 0 {
		problems = append(problems, fmt.Sprintf("%d elements present that were never added", unexpectedN))
	}
	if len(problems) > 0 {
		return Result{Verdict: Invalid, Summary: "not convergent: " + strings.Join(problems, "; "), Details: details, Anomalies: an, Measures: measures}
	}
	if len(unverified) > 0 {
		return Result{Verdict: Unknown, Summary: fmt.Sprintf("convergence not shown for %d keys (%s): %s", len(unverified), quoteList(unverified, 5), divergentWhy[unverified[0]]), Details: details, Anomalies: an, Measures: measures}
	}
	summary := fmt.Sprintf("all %d keys converged", len(keys))
	if f, ok := ttc.(float64); ok {
		summary += fmt.Sprintf(" within %.0f ms of the heal", f)
	}
	return Result{Verdict: Valid, Summary: summary, Details: details, Anomalies: an, Measures: measures}
}

// end is the latest completion in the round.
func (r finalRound) end() int64 {
	var t int64
	for _, o := range r {
		t = max(t, o.time)
	}
	return t
}

func (r finalRound) isSet() bool {
	for _, o := range r {
		if o.isSet {
			return true
		}
	}
	return false
}
