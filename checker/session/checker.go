package session

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	lat "github.com/faultline/faultline/models"
)

// Checker decides the session guarantees and the models they compose
// into, per key, on a keyed read/write/cas register history whose
// written values are unique per key (the package doc has the
// definitions). One Checker reports every model it checks: its verdict
// is invalid if any checked model is ruled out on some key; valid only
// if every key was checked for every model, none is ruled out, and some
// read succeeded; unknown otherwise (a key that writes a value twice, a
// cancelled context, a history with nothing read).
type Checker struct {
	// Models are the models checked, in any order; nil or empty means
	// all six (AllModels).
	Models []Model
}

// Name is "session".
func (Checker) Name() string { return "session" }

// Status is a model's outcome over a whole history.
type Status string

const (
	// Holds: checked on every key, and no key rules it out.
	Holds Status = "holds"
	// RuledOut: some key's history is not admissible under the model.
	RuledOut Status = "ruled-out"
	// NotChecked: not asked for, or some key could not be checked and no
	// key rules it out (Why says which).
	NotChecked Status = "not-checked"
)

// ModelResult is one model's outcome, as Details["models"] lists it.
type ModelResult struct {
	Status Status `json:"status"`
	// ViolatingKeys is how many keys rule the model out.
	ViolatingKeys int `json:"violating_keys"`
	// Keys are the first violating keys, sorted (at most maxListed).
	Keys []string `json:"keys,omitempty"`
	// Witness is the first violation: of the violating keys', the one
	// whose last op comes first in the history.
	Witness *Witness `json:"witness,omitempty"`
	// Why says why the model was not checked.
	Why string `json:"why,omitempty"`
}

// UnknownKey is a key that could not be checked, and why.
type UnknownKey struct {
	Key string `json:"key"`
	Why string `json:"why"`
}

// maxListed bounds the key lists in Details.
const maxListed = 20

// Scope is what Details["scope"] says the results are about.
const Scope = "per key: each key's ops form a history of their own, checked apart; no guarantee across keys is checked"

// models returns the models to check, in AllModels order.
func (c Checker) models() ([]Model, error) {
	if len(c.Models) == 0 {
		return AllModels(), nil
	}
	var out []Model
	for _, m := range AllModels() {
		if slices.Contains(c.Models, m) {
			out = append(out, m)
		}
	}
	for _, m := range c.Models {
		if m.guarantees() == 0 {
			_, err := ParseModel(string(m))
			return nil, err
		}
	}
	return out, nil
}

// Check implements checker.Checker. Details: models (a ModelResult for
// each of the six, by name), checked (the models checked, in order),
// scope, keys, unknown_keys (at most 20) and unknown_key_count, ops
// (client read/write/cas ops by outcome), reads and writes (those in
// the checked histories: an ok cas is one of each), and
// indeterminate_writes_seen / _dropped (info or open writes and cas ops
// whose value was read, so they happened, and the others, left out).
func (c Checker) Check(ctx context.Context, h history.History) checker.Result {
	models, err := c.models()
	if err != nil {
		return checker.Result{Verdict: checker.Unknown, Summary: err.Error()}
	}
	keys, cnt, err := readHistory(h)
	if err != nil {
		return checker.Result{Verdict: checker.Unknown, Summary: err.Error()}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	type outcome struct {
		violating []string
		first     *Witness
	}
	outs := make([]outcome, len(models))
	var unknownKeys []UnknownKey
	reads, writes, seen, unseen := 0, 0, 0, 0
	for i, name := range names {
		if i%64 == 0 && ctx.Err() != nil {
			return cancelled(i, len(names))
		}
		k := keys[name]
		if k.unknown != "" {
			unknownKeys = append(unknownKeys, UnknownKey{name, k.unknown})
			continue
		}
		reads += k.reads
		writes += len(k.writes)
		seen += k.seen
		unseen += k.unseen
		var cons *constraints
		if k.unsourced < 0 {
			cons = constrain(k)
		}
		for mi, m := range models {
			if w := decide(k, cons, m); w != nil {
				o := &outs[mi]
				o.violating = append(o.violating, name)
				if o.first == nil || w.last() < o.first.last() {
					o.first = w
				}
			}
		}
	}
	if ctx.Err() != nil {
		return cancelled(len(names), len(names))
	}

	results := map[string]ModelResult{}
	for _, m := range AllModels() {
		results[string(m)] = ModelResult{Status: NotChecked, Why: "not asked for"}
	}
	an := checker.Anomalies{}
	var ruledOut, held []string
	firstWhy := ""
	for mi, m := range models {
		o := outs[mi]
		an[m.Anomaly()] = len(o.violating)
		r := ModelResult{ViolatingKeys: len(o.violating)}
		switch {
		case len(o.violating) > 0:
			r.Status, r.Witness = RuledOut, o.first
			r.Keys = o.violating[:min(len(o.violating), maxListed)]
			ruledOut = append(ruledOut, fmt.Sprintf("%s (%d of %s)", m, len(o.violating), nouns(len(names), "key")))
			if firstWhy == "" {
				firstWhy = o.first.Why
			}
		case len(unknownKeys) > 0:
			r.Status = NotChecked
			r.Why = fmt.Sprintf("%d of %d keys could not be checked (first, key %q: %s)", len(unknownKeys), len(names), unknownKeys[0].Key, unknownKeys[0].Why)
		case reads == 0:
			r.Status, r.Why = NotChecked, "no read succeeded: nothing was observed"
		default:
			r.Status = Holds
			held = append(held, string(m))
		}
		results[string(m)] = r
	}
	checked := make([]string, len(models))
	for i, m := range models {
		checked[i] = string(m)
	}
	details := map[string]any{
		"models":                       results,
		"checked":                      checked,
		"scope":                        Scope,
		"keys":                         len(names),
		"unknown_keys":                 unknownKeys[:min(len(unknownKeys), maxListed)],
		"unknown_key_count":            len(unknownKeys),
		"ops":                          cnt,
		"reads":                        reads,
		"writes":                       writes,
		"indeterminate_writes_seen":    seen,
		"indeterminate_writes_dropped": unseen,
	}
	if unknownKeys == nil {
		details["unknown_keys"] = []UnknownKey{}
	}
	activity := fmt.Sprintf("%s, %s, %s; indeterminate writes: %d seen, %d dropped", nouns(len(names), "key"), nouns(reads, "read"), nouns(writes, "write"), seen, unseen)
	res := checker.Result{Anomalies: an, Details: details}
	switch {
	case len(ruledOut) > 0:
		res.Verdict = checker.Invalid
		s := "ruled out, per key: " + strings.Join(ruledOut, ", ")
		if len(held) > 0 {
			s += "; holding: " + strings.Join(held, ", ")
		}
		if len(unknownKeys) > 0 {
			s += fmt.Sprintf("; %d keys not checked", len(unknownKeys))
		}
		res.Summary = s + "; first: " + firstWhy + " (" + activity + ")"
	case len(unknownKeys) > 0:
		res.Verdict = checker.Unknown
		res.Summary = fmt.Sprintf("no model is ruled out, but %d of %d keys could not be checked (first, key %q: %s) (%s)", len(unknownKeys), len(names), unknownKeys[0].Key, unknownKeys[0].Why, activity)
	case reads == 0:
		res.Verdict = checker.Unknown
		res.Summary = "no read succeeded: nothing was observed, so no model can be said to hold (" + activity + ")"
	default:
		res.Verdict = checker.Valid
		res.Summary = "every model holds on every key: " + strings.Join(held, ", ") + " (" + activity + ")"
	}
	return decides(res, models, results)
}

// lattice maps each model to the lattice's name for it and the anomaly
// that rules it out there.
var lattice = map[Model]struct {
	model   lat.Model
	anomaly lat.Anomaly
}{
	ReadYourWrites:    {lat.ReadYourWrites, lat.ReadYourWritesViolation},
	MonotonicReads:    {lat.MonotonicReads, lat.MonotonicReadsViolation},
	MonotonicWrites:   {lat.MonotonicWrites, lat.MonotonicWritesViolation},
	WritesFollowReads: {lat.WritesFollowReads, lat.WritesFollowReadsViolation},
	PRAM:              {lat.PRAM, lat.PRAMViolation},
	Causal:            {lat.Causal, lat.CausalViolation},
}

// decides says what the result means for the lattice (package models):
// every asked model is decided, the holding ones verified, the ruled-out
// ones found. The checker is informational: a keyed workload's test is
// judged by linearizability, which implies all six, so a violation still
// makes the run invalid while anything else leaves the verdict to it.
func decides(r checker.Result, asked []Model, results map[string]ModelResult) checker.Result {
	r.Informational = true
	for _, m := range asked {
		l := lattice[m]
		r.Decides = append(r.Decides, l.model)
		switch results[string(m)].Status {
		case Holds:
			r.Verified = append(r.Verified, l.model)
		case RuledOut:
			r.Found = append(r.Found, l.anomaly)
		}
	}
	return r
}

// nouns is "1 key", "2 keys".
func nouns(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func cancelled(done, total int) checker.Result {
	return checker.Result{Verdict: checker.Unknown, Summary: fmt.Sprintf("cancelled after %d of %d keys", done, total)}
}
