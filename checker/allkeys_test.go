package checker

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// manyKeys builds a register history of n keys, each written then read;
// the keys in bad read a value nobody wrote, at the given times (ns), so
// the earliest anomaly in history order is known by construction.
func manyKeys(n int, bad map[int]int64) history.History {
	var h history.History
	add := func(t int64, p int, typ history.Type, f, key string, v any) {
		h = append(h, history.Op{Index: int64(len(h)), Time: t, Process: history.Process(p), Type: typ, F: f, Key: key, Value: history.Raw(v)})
	}
	for i := range n {
		k := fmt.Sprintf("k%02d", i)
		t := int64(i) * 1000
		add(t, i, history.Invoke, "write", k, 1)
		add(t+10, i, history.OK, "write", k, 1)
	}
	// reads in reverse key order, so map and file order do not agree with
	// time order
	for i := n - 1; i >= 0; i-- {
		k := fmt.Sprintf("k%02d", i)
		t := int64(1_000_000) + int64(n-i)*1000
		if bt, ok := bad[i]; ok {
			t = bt
		}
		h = append(h, history.Op{Time: t, Process: history.Process(i), Type: history.Invoke, F: "read", Key: k})
		v := 1
		if _, ok := bad[i]; ok {
			v = 99
		}
		h = append(h, history.Op{Time: t + 10, Process: history.Process(i), Type: history.OK, F: "read", Key: k, Value: history.Raw(v)})
	}
	// order by time, then index densely
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Time < h[j-1].Time; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
	for i := range h {
		h[i].Index = int64(i)
	}
	return h
}

// Every key is checked: the result counts the failed and passed keys, and
// leads with the earliest anomaly in history order, the same on every
// re-check.
func TestLinearizableChecksEveryKeyDeterministically(t *testing.T) {
	bad := map[int]int64{3: 2_000_000, 17: 1_500_000, 40: 3_000_000}
	h := manyKeys(57, bad)
	first := ""
	for i := range 6 {
		r := Linearizable{Model: CASRegister(), Timeout: 20 * time.Second}.Check(context.Background(), h)
		if r.Verdict != Invalid {
			t.Fatalf("verdict %s: %s", r.Verdict, r.Summary)
		}
		ks := IllegalKeys(r)
		if len(ks) != 3 || ks[0] != "k17" || ks[1] != "k03" || ks[2] != "k40" {
			t.Fatalf("illegal keys %v, want k17 (earliest), k03, k40", ks)
		}
		if r.Details["passed_keys"] != 54 || r.Anomalies[AnomalyNonLinearizableKey] != 3 {
			t.Fatalf("passed %v, anomalies %v", r.Details["passed_keys"], r.Anomalies)
		}
		if i == 0 {
			first = r.Summary
		} else if r.Summary != first {
			t.Fatalf("re-check %d says\n%s\nfirst said\n%s", i, r.Summary, first)
		}
	}
	// StopEarly stops at a failure and says how many keys it left.
	r := Linearizable{Model: CASRegister(), Timeout: 20 * time.Second, StopEarly: true, Workers: 1}.Check(context.Background(), h)
	if r.Verdict != Invalid {
		t.Fatalf("stop early: %s %s", r.Verdict, r.Summary)
	}
	if n := r.Details["unchecked_keys"].(int); n == 0 && len(IllegalKeys(r)) < 3 {
		t.Errorf("stop early checked %d illegal keys and left none unchecked: %s", len(IllegalKeys(r)), r.Summary)
	}
}

// A search that outgrows its memory budget stops: the keys it did not
// finish are unknown and the result says it was the memory, never valid.
func TestLinearizableMemoryBudget(t *testing.T) {
	h, err := ReadHistory(fixtures+"/kv/c50-bad.txt", "edn")
	if err != nil {
		t.Fatal(err)
	}
	r := Linearizable{Model: KV(), Timeout: time.Minute, MemoryBudget: 1}.Check(context.Background(), h)
	if r.Verdict == Valid || !strings.Contains(r.Summary, "memory budget") || r.Details["memory_budget_exceeded"] != true {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
}
