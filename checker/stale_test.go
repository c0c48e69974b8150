package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestStaleReadsFiles(t *testing.T) {
	for name, want := range map[string]int{
		"register-bad-stale-read.jsonl":              1, // write 1, write 2, read 1
		"register-ok-01-sequential.jsonl":            0,
		"register-ok-02-concurrent.jsonl":            0, // reads concurrent with the write
		"register-bad-lost-write.jsonl":              1, // a nil read after write 1 completed
		"register-ok-03-info-write-seen-later.jsonl": 0, // the info write's reads are skipped, not stale
	} {
		h, err := history.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		res := StaleReads{}.Check(context.Background(), h)
		if res.Verdict != Valid || res.Details["stale_reads"] != want {
			t.Fatalf("%s: %s %q %v, want %d stale", name, res.Verdict, res.Summary, res.Details["stale_reads"], want)
		}
		strict := StaleReads{Strict: true}.Check(context.Background(), h)
		if (strict.Verdict == Invalid) != (want > 0) {
			t.Fatalf("%s strict: %s", name, strict.Verdict)
		}
	}
	h, _ := history.ReadFile("testdata/register-bad-stale-read.jsonl")
	res := StaleReads{}.Check(context.Background(), h)
	ex := res.Details["examples"].([]StaleRead)
	if len(ex) != 1 || ex[0].Value != "1" || ex[0].Superseded != "2" || !strings.Contains(res.Summary, "informational") {
		t.Fatalf("examples %+v, summary %q", ex, res.Summary)
	}
	if res := (StaleReads{}).Check(context.Background(), h[:4]); res.Verdict != Unknown {
		t.Fatalf("no reads: %+v", res)
	}
}

// randomRWHistory builds a keyed read/write/cas history: each process runs
// ops one after another; writes carry unique values per key; reads return
// a value written to the key (acknowledged or not), nil, or one never
// written; completions are ok, fail or info at random.
func randomRWHistory(rng *rand.Rand) history.History {
	type ev struct {
		t  int64
		op history.Op
	}
	var evs []ev
	next := map[string]int64{}
	for p := range 2 + rng.IntN(4) {
		t := int64(rng.IntN(10))
		for range 1 + rng.IntN(8) {
			key := []string{"a", "b"}[rng.IntN(2)]
			inv := history.Op{Process: history.Process(p), Type: history.Invoke, Key: key}
			var out json.RawMessage
			switch rng.IntN(3) {
			case 0:
				inv.F = "read"
				switch v := rng.Int64N(next[key] + 3); {
				case v == 0:
					out = json.RawMessage("null")
				case v > next[key]:
					out = json.RawMessage("99")
				default:
					out = history.Raw(v)
				}
			case 1:
				next[key]++
				inv.F, inv.Value = "write", history.Raw(next[key])
				out = inv.Value
			default:
				next[key]++
				inv.F, inv.Value = "cas", history.Raw([2]int64{rng.Int64N(next[key]), next[key]})
				out = inv.Value
			}
			typ := []history.Type{history.OK, history.OK, history.OK, history.Fail, history.Info}[rng.IntN(5)]
			d := 1 + int64(rng.IntN(20))
			evs = append(evs, ev{t*10 + int64(p), inv})
			done := inv.Complete(typ, out, "")
			if typ != history.OK {
				done.Value = inv.Value
			}
			evs = append(evs, ev{(t+d)*10 + int64(p), done})
			t += d + 1 + int64(rng.IntN(5))
			if typ == history.Info {
				break // the process's last op stays in doubt
			}
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].t < evs[j].t })
	h := make(history.History, len(evs))
	for i, e := range evs {
		e.op.Index, e.op.Time = int64(i), e.t
		h[i] = e.op
	}
	return h
}

// naiveStale counts stale reads by the definition, pair by pair.
func naiveStale(h history.History) int {
	type w struct {
		key, value       string
		invoke, complete int64
	}
	var writes []w
	type r struct {
		key, value string
		invoke     int64
	}
	var reads []r
	for _, p := range h.Pairs() {
		if p.Type() != history.OK {
			continue
		}
		inv, c := p.Invoke, p.Completion
		switch inv.F {
		case "read":
			reads = append(reads, r{inv.Key, string(c.Value), inv.Time})
		case "write":
			writes = append(writes, w{inv.Key, string(inv.Value), inv.Time, c.Time})
		case "cas":
			var pair [2]int64
			json.Unmarshal(inv.Value, &pair)
			writes = append(writes, w{inv.Key, fmt.Sprint(pair[1]), inv.Time, c.Time})
		}
	}
	n := 0
	for _, rd := range reads {
		seenDone := int64(-1 << 62)
		found := rd.value == "null"
		for _, x := range writes {
			if x.key == rd.key && x.value == rd.value {
				seenDone, found = x.complete, true
			}
		}
		if !found {
			continue
		}
		for _, x := range writes {
			if x.key == rd.key && x.invoke > seenDone && x.complete < rd.invoke {
				n++
				break
			}
		}
	}
	return n
}

func TestStaleReadsOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	var total int
	for i := range 3000 {
		h := randomRWHistory(rng)
		if err := h.Validate(); err != nil {
			t.Fatalf("history %d invalid: %v", i, err)
		}
		want := naiveStale(h)
		total += want
		res := StaleReads{}.Check(context.Background(), h)
		if res.Verdict == Unknown {
			continue // no ok read
		}
		if got := res.Details["stale_reads"]; got != want {
			t.Fatalf("history %d: %v stale, oracle %d\n%v", i, got, want, h)
		}
	}
	if total < 100 {
		t.Fatalf("random histories had only %d stale reads: the oracle test proves little", total)
	}
}
