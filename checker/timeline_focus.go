package checker

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FocusOf reads from a checker's Result where each key's anomaly is, for
// TimelineOptions.Focus: the first violation of FIFO's details.violations
// (the dequeue at fault, and the ops it involves), or each key's anomaly
// of the linearizable checker's details.anomalies (the op that cannot be
// linearized, and the last op of the longest linearizable prefix). It
// reads details through JSON, so a Result read back from results.json
// gives the same. Nil when the result names no anomaly it can place.
func FocusOf(r Result) map[string]TimelineFocus {
	var out map[string]TimelineFocus
	put := func(k string, f TimelineFocus) {
		if out == nil {
			out = map[string]TimelineFocus{}
		}
		if _, ok := out[k]; !ok {
			out[k] = f
		}
	}
	var viols []struct {
		Kind  Anomaly `json:"kind"`
		Index *int64  `json:"index"`
		Ops   []struct {
			Index int64 `json:"index"`
		} `json:"ops"`
		Why string `json:"why"`
	}
	if viaJSON(r.Details["violations"], &viols) {
		for _, v := range viols {
			if v.Index == nil {
				continue
			}
			f := TimelineFocus{Index: *v.Index, Label: string(v.Kind), Why: v.Why}
			for _, o := range v.Ops {
				if o.Index != *v.Index {
					f.Related = append(f.Related, o.Index)
				}
			}
			put("", f) // a queue history is one key
			break
		}
	}
	var anomalies []linFocus
	if !viaJSON(r.Details["anomalies"], &anomalies) || len(anomalies) == 0 {
		var one linFocus
		if viaJSON(r.Details["anomaly"], &one) {
			anomalies = []linFocus{one}
		}
	}
	for _, a := range anomalies {
		if a.Index == nil {
			continue
		}
		f := TimelineFocus{Index: *a.Index, Label: "cannot be linearized: " + short(a.Op)}
		f.Why = fmt.Sprintf("op %d, %s, cannot be linearized: no linearizable order starts with any op, state %s", *a.Index, a.Op, a.State)
		if a.LastIndex != nil {
			f.Related = []int64{*a.LastIndex}
			f.Why = fmt.Sprintf("op %d, %s, cannot be linearized: the longest linearizable prefix has %d ops, ends with op %d, %s, and leaves state %s", *a.Index, a.Op, a.PrefixLen, *a.LastIndex, a.Last, a.State)
		}
		put(a.Key, f)
	}
	// total-queue and set: the first anomalous value's write (the enqueue
	// or add), with the ops that saw or missed it.
	var vals []ValueOp
	if viaJSON(r.Details["value_ops"], &vals) {
		for _, v := range vals {
			if v.Write == nil {
				continue
			}
			f := TimelineFocus{Index: *v.Write, Label: v.Kind + " " + strconv.FormatInt(v.Value, 10),
				Why: fmt.Sprintf("op %d wrote %d, which is %s", *v.Write, v.Value, strings.ReplaceAll(v.Kind, "_", " "))}
			f.Related = append(append(f.Related, v.Seen...), v.Missed...)
			put(v.Key, f)
			break
		}
	}
	return out
}

// linFocus is what FocusOf reads of the linearizable checker's anomaly
// (anomaly.details).
type linFocus struct {
	Key       string `json:"key"`
	Op        string `json:"op"`
	Index     *int64 `json:"index"`
	Last      string `json:"last"`
	LastIndex *int64 `json:"last_index"`
	PrefixLen int    `json:"prefix_len"`
	State     string `json:"state"`
}

// viaJSON decodes v (a value in memory, or one read from JSON) into dst
// through JSON; false when v is absent or not of dst's shape.
func viaJSON(v, dst any) bool {
	if v == nil {
		return false
	}
	b, err := json.Marshal(v)
	return err == nil && json.Unmarshal(b, dst) == nil
}
