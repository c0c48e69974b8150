package sequential

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/models"
)

// AnomalyNonSequentialKey counts the keys whose ops are not sequentially
// consistent.
const AnomalyNonSequentialKey checker.Anomaly = "nonsequential-keys"

// maxListed bounds the keys Details lists by name.
const maxListed = 20

// Checker checks every key of a keyed cas-register history for
// sequential consistency, key by key (see the package doc). Its zero
// value is ready to use.
type Checker struct{}

// Name is "sequential".
func (Checker) Name() string { return "sequential" }

// UnknownKey is a key that was not checked, and why.
type UnknownKey struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Check implements checker.Checker. The verdict is invalid if some key
// is not sequentially consistent, valid if every key was checked and is,
// and unknown otherwise: a key with a value written twice or an op
// outside the model, a cancelled ctx, or no client ops at all. Keys are
// checked in the order of their first op, so the report is the same for
// the same history.
//
// Anomalies: AnomalyNonSequentialKey, the keys found not sequentially
// consistent (absent when ctx stopped the check before it found one).
// Details: scope ("per key"), keys, key_verdicts (counts of valid,
// invalid, unknown and unchecked keys), nonsequential_keys and
// unknown_keys (the first 20 of each, in history order, the latter with
// why), witness (for the first key not sequentially consistent: see
// Witness), info_forced (info writes and cas whose value was read, so
// that they happened) and info_dropped (those nobody read, left out).
func (Checker) Check(ctx context.Context, h history.History) checker.Result {
	keys := readKeys(h)
	if len(keys) == 0 {
		return checker.Result{Verdict: checker.Unknown, Summary: "sequential: no client ops to check"}
	}
	var (
		counts      = map[checker.Verdict]int{}
		nonseq      []string
		unknown     []UnknownKey
		witness     *Witness
		firstReason string
		forced      int
		dropped     int
		stopped     error
		done        int
	)
	for _, kh := range keys {
		if stopped = ctx.Err(); stopped != nil {
			break
		}
		r := checkKey(ctx, kh)
		if r.verdict == checker.Unknown && ctx.Err() != nil {
			stopped = ctx.Err()
			break
		}
		done++
		counts[r.verdict]++
		forced += r.forced
		dropped += r.dropped
		switch r.verdict {
		case checker.Invalid:
			if witness == nil {
				witness = r.witness
			}
			if len(nonseq) < maxListed {
				nonseq = append(nonseq, kh.key)
			}
		case checker.Unknown:
			if firstReason == "" {
				firstReason = fmt.Sprintf("%q: %s", kh.key, r.reason)
			}
			if len(unknown) < maxListed {
				unknown = append(unknown, UnknownKey{Key: kh.key, Reason: r.reason})
			}
		}
	}
	bad, unk := counts[checker.Invalid], counts[checker.Unknown]
	details := map[string]any{
		"scope": "per key",
		"keys":  len(keys),
		"key_verdicts": map[string]int{
			"valid": counts[checker.Valid], "invalid": bad, "unknown": unk, "unchecked": len(keys) - done,
		},
		"info_forced":  forced,
		"info_dropped": dropped,
	}
	if nonseq != nil {
		details["nonsequential_keys"] = nonseq
		details["witness"] = witness
	}
	if unknown != nil {
		details["unknown_keys"] = unknown
	}
	res := checker.Result{Details: details}
	if stopped == nil || bad > 0 {
		res.Anomalies = checker.Anomalies{AnomalyNonSequentialKey: bad}
	}
	checked := done - unk
	notChecked := len(keys) - checked
	switch {
	case bad > 0:
		res.Verdict = checker.Invalid
		res.Summary = fmt.Sprintf("%d of %d keys checked not sequentially consistent (per key), first %q: %s",
			bad, checked, witness.Key, witness.Explanation)
		if notChecked > 0 {
			res.Summary += fmt.Sprintf(" (%d keys not checked)", notChecked)
		}
	case stopped != nil:
		res.Verdict = checker.Unknown
		res.Summary = fmt.Sprintf("sequential: stopped (%v) with %d of %d keys checked, all sequentially consistent so far", stopped, checked, len(keys))
	case unk > 0:
		res.Verdict = checker.Unknown
		res.Summary = fmt.Sprintf("%d of %d keys not checked, first %s; the %d checked are sequentially consistent (per key)",
			unk, len(keys), firstReason, checked)
	default:
		res.Verdict = checker.Valid
		res.Summary = fmt.Sprintf("all %d keys checked sequentially consistent (per key: sequential consistency does not compose across keys)", len(keys))
	}
	return decides(res)
}

// decides says what the result means for the lattice. The checker is
// informational: a test of a keyed workload is judged by linearizability,
// which implies per-key sequential consistency, so a violation found here
// still makes the run invalid, and anything else leaves the verdict to
// the linearizability check.
func decides(r checker.Result) checker.Result {
	r.Informational = true
	r.Decides = []models.Model{models.Sequential}
	switch r.Verdict {
	case checker.Valid:
		r.Verified = []models.Model{models.Sequential}
	case checker.Invalid:
		r.Found = []models.Anomaly{models.Nonsequential}
	}
	return r
}
