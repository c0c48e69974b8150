package checker

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// TestVerdictNamedHistories checks testdata/register-{ok,bad}-*.jsonl; the
// expected verdict is in the name, the reason in testdata/README.md.
func TestVerdictNamedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/register-*.jsonl")
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d histories (%v)", len(files), err)
	}
	var ok, bad int
	for _, f := range files {
		name := filepath.Base(f)
		want := Valid
		switch {
		case strings.HasPrefix(name, "register-ok-"):
			ok++
		case strings.HasPrefix(name, "register-bad-"):
			want = Invalid
			bad++
		default:
			t.Fatalf("%s: name says neither ok nor bad", name)
		}
		t.Run(name, func(t *testing.T) {
			res, err := AnalyzeFile(context.Background(), f, "cas-register", "jsonl", Linearizable{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != want {
				t.Fatalf("verdict %s, want %s: %s", res.Verdict, want, res.Summary)
			}
			if want == Invalid && !strings.Contains(res.Summary, "not linearizable") {
				t.Fatalf("summary does not say why: %q", res.Summary)
			}
		})
	}
	if ok == 0 || bad == 0 {
		t.Fatalf("%d ok and %d bad histories: need both", ok, bad)
	}
}

func TestIllegalKeyNamed(t *testing.T) {
	res, err := AnalyzeFile(context.Background(), "testdata/register-bad-one-key-of-two.jsonl", "cas-register", "jsonl", Linearizable{})
	if err != nil {
		t.Fatal(err)
	}
	if ks := IllegalKeys(res); len(ks) != 1 || ks[0] != "y" {
		t.Fatalf("illegal keys %v, want [y]", ks)
	}
	if !strings.HasPrefix(res.Summary, `key "y" not linearizable: read("y") -> nil`) {
		t.Fatalf("summary %q", res.Summary)
	}
}

func TestStaleReadExplained(t *testing.T) {
	h, err := history.ReadFile("testdata/register-bad-stale-read.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	res := Linearizable{Model: CASRegister()}.Check(context.Background(), h)
	a, _ := res.Details["anomaly"].(map[string]any)
	if res.Verdict != Invalid || a == nil {
		t.Fatalf("%+v", res)
	}
	if a["op"] != `read("x") -> 1` || a["state"] != "2" || a["index"] != int64(4) || a["prefix_len"] != 2 {
		t.Fatalf("anomaly %v", a)
	}
}
