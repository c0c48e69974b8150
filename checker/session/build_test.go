package session

import (
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// build makes a history from lines "PROC F KEY ARGS [OUTCOME]", one op
// each, issued one after another: F is read (ARGS: the value read, or
// nil), write (the value) or cas (old new); OUTCOME is ok (the default),
// fail, info or open. Op k's invoke has index 2k. PROC "nemesis" adds a
// nemesis op.
func build(t *testing.T, lines ...string) history.History {
	t.Helper()
	var h history.History
	add := func(o history.Op) {
		o.Index = int64(len(h))
		o.Time = int64(len(h)) * 10
		h = append(h, o)
	}
	num := func(s string) any {
		if s == "nil" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return n
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if f[0] == "nemesis" {
			add(history.Op{Process: history.Nemesis, Type: history.Invoke, F: f[1]})
			add(history.Op{Process: history.Nemesis, Type: history.Info, F: f[1]})
			continue
		}
		p, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatal(err)
		}
		inv := history.Op{Process: history.Process(p), Type: history.Invoke, F: f[1], Key: f[2]}
		var result any
		outcome := f[len(f)-1]
		switch outcome {
		case "fail", "info", "open", "ok":
			f = f[:len(f)-1]
		default:
			outcome = "ok"
		}
		switch f[1] {
		case "read":
			result = num(f[3])
		case "write":
			inv.Value = history.Raw(num(f[3]))
		case "cas":
			inv.Value = history.Raw([]any{num(f[3]), num(f[4])})
		}
		add(inv)
		switch outcome {
		case "ok":
			add(inv.Complete(history.OK, history.Raw(result), ""))
		case "fail":
			add(inv.Complete(history.Fail, nil, "refused: no"))
		case "info":
			add(inv.Complete(history.Info, nil, "timeout"))
		}
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return h
}
