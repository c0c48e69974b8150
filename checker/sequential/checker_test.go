package sequential

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

func TestName(t *testing.T) {
	if n := (Checker{}).Name(); n != "sequential" {
		t.Fatalf("name %q", n)
	}
	var _ checker.Checker = Checker{}
}

// TestKeysInHistoryOrder: the first key not sequentially consistent is
// the first in history order, not by name; every key is counted.
func TestKeysInHistoryOrder(t *testing.T) {
	h := parse(t, `
0 write b 1 ok
0 read b ok null
1 write c 1 ok
1 read c ok 1
2 write a 1 ok
2 read a ok 7`)
	res := Checker{}.Check(context.Background(), h)
	if res.Verdict != checker.Invalid {
		t.Fatalf("%s: %s", res.Verdict, res.Summary)
	}
	if n := res.Anomalies[AnomalyNonSequentialKey]; n != 2 {
		t.Fatalf("anomalies %v", res.Anomalies)
	}
	if w := res.Details["witness"].(*Witness); w.Key != "b" {
		t.Fatalf("witness of %q, want b", w.Key)
	}
	if ks := res.Details["nonsequential_keys"].([]string); !slices.Equal(ks, []string{"b", "a"}) {
		t.Fatalf("nonsequential keys %v", ks)
	}
	kv := res.Details["key_verdicts"].(map[string]int)
	if kv["valid"] != 1 || kv["invalid"] != 2 || kv["unknown"] != 0 || kv["unchecked"] != 0 || res.Details["keys"] != 3 {
		t.Fatalf("key verdicts %v of %v", kv, res.Details["keys"])
	}
	if !strings.HasPrefix(res.Summary, `2 of 3 keys checked not sequentially consistent (per key), first "b": process 0 read the initial value`) {
		t.Fatalf("summary %q", res.Summary)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
	if again := (Checker{}).Check(context.Background(), h); again.Summary != res.Summary {
		t.Fatalf("not deterministic: %q then %q", res.Summary, again.Summary)
	}
}

func TestUnknownKeys(t *testing.T) {
	dup := `
0 write x 1 ok
1 write x 1 ok`
	res := Checker{}.Check(context.Background(), parse(t, dup+`
2 write y 1 ok`))
	if res.Verdict != checker.Unknown || res.Anomalies[AnomalyNonSequentialKey] != 0 {
		t.Fatalf("%s %v: %s", res.Verdict, res.Anomalies, res.Summary)
	}
	if !strings.Contains(res.Summary, `1 of 2 keys not checked, first "x": value 1 is written twice (ops 0 and 2)`) {
		t.Fatalf("summary %q", res.Summary)
	}
	if u := res.Details["unknown_keys"].([]UnknownKey); len(u) != 1 || u[0].Key != "x" {
		t.Fatalf("unknown keys %v", u)
	}
	// A key that is not sequentially consistent makes the whole invalid,
	// whatever the unknown keys.
	res = Checker{}.Check(context.Background(), parse(t, dup+`
2 read y ok 5`))
	if res.Verdict != checker.Invalid || !strings.Contains(res.Summary, "1 of 1 keys checked") || !strings.Contains(res.Summary, "(1 keys not checked)") {
		t.Fatalf("%s: %s", res.Verdict, res.Summary)
	}
}

func TestNothingToCheck(t *testing.T) {
	for _, text := range []string{"", "nemesis kill"} {
		res := Checker{}.Check(context.Background(), parse(t, text))
		if res.Verdict != checker.Unknown {
			t.Fatalf("%q: %s: %s", text, res.Verdict, res.Summary)
		}
	}
	// Ops that all failed: the key is checked, and nothing happened.
	res := Checker{}.Check(context.Background(), parse(t, "0 write x 1 fail"))
	if res.Verdict != checker.Valid {
		t.Fatalf("%s: %s", res.Verdict, res.Summary)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Checker{}.Check(ctx, parse(t, "0 write x 1 ok\n1 read x ok 1"))
	if res.Verdict != checker.Unknown || res.Anomalies != nil || !strings.Contains(res.Summary, "context canceled") {
		t.Fatalf("%s %v: %s", res.Verdict, res.Anomalies, res.Summary)
	}
}

// TestRun: through checker.Run, as the harness runs it.
func TestRun(t *testing.T) {
	h := parse(t, fixtures[0].text)
	rs := checker.Run(context.Background(), h, Checker{})
	if r, ok := rs.Checkers["sequential"]; !ok || r.Verdict != checker.Valid || rs.Verdict != checker.Valid {
		t.Fatalf("%+v", rs)
	}
}

// TestRegisterTestdata: the checker package's named register histories.
// The linearizable ones are sequentially consistent; on the others the
// checker agrees with the oracle (some are sequentially consistent:
// linearizability is stronger).
func TestRegisterTestdata(t *testing.T) {
	files, err := filepath.Glob("../testdata/register-*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("%d files (%v)", len(files), err)
	}
	var sc []string
	for _, f := range files {
		h, err := history.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		res := Checker{}.Check(context.Background(), h)
		procs, _ := oracleOps(t, h)
		truth := true
		for _, key := range h.Keys() {
			truth = truth && oracleSC(onlyKey(procs, key))
		}
		switch {
		case strings.HasPrefix(name, "register-ok-") && res.Verdict != checker.Valid:
			t.Errorf("%s: %s: %s", name, res.Verdict, res.Summary)
		case truth != (res.Verdict == checker.Valid) || res.Verdict == checker.Unknown:
			t.Errorf("%s: %s, the oracle says sequentially consistent %v: %s", name, res.Verdict, truth, res.Summary)
		case strings.HasPrefix(name, "register-bad-") && truth:
			sc = append(sc, name)
		}
	}
	t.Logf("not linearizable but sequentially consistent: %v", sc)
}
