package session

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

var _ checker.Checker = Checker{}

func models(t *testing.T, r checker.Result) map[string]ModelResult {
	t.Helper()
	m, ok := r.Details["models"].(map[string]ModelResult)
	if !ok {
		t.Fatalf("no models in details: %v (%s)", r.Details, r.Summary)
	}
	return m
}

// TestSomeModels: only the models asked for are checked and counted; the
// others say so.
func TestSomeModels(t *testing.T) {
	h := build(t, "0 write x 1", "0 write x 2", "1 read x 2", "1 read x 1")
	r := Checker{Models: []Model{PRAM, MonotonicReads}}.Check(context.Background(), h)
	if r.Verdict != checker.Invalid {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	want := checker.Anomalies{"monotonic-reads-violations": 0, "pram-violations": 1}
	if len(r.Anomalies) != len(want) || r.Anomalies["pram-violations"] != 1 || r.Anomalies["monotonic-reads-violations"] != 0 {
		t.Errorf("anomalies %v, want %v", r.Anomalies, want)
	}
	ms := models(t, r)
	if len(ms) != 6 {
		t.Errorf("details list %d models, want all 6", len(ms))
	}
	if s := ms[string(Causal)]; s.Status != NotChecked || s.Why != "not asked for" {
		t.Errorf("causal: %+v", s)
	}
	if s := ms[string(MonotonicReads)]; s.Status != Holds {
		t.Errorf("monotonic reads: %+v", s)
	}
	if got := r.Details["checked"].([]string); strings.Join(got, ",") != "monotonic-reads,pram" {
		t.Errorf("checked %v", got)
	}
	if !strings.HasPrefix(r.Summary, "ruled out, per key: pram (1 of 1 key); holding: monotonic-reads; first: ") || strings.Contains(r.Summary, "\n") {
		t.Errorf("summary %q", r.Summary)
	}
	r = Checker{Models: []Model{PRAM, "sequential"}}.Check(context.Background(), h)
	if r.Verdict != checker.Unknown || !strings.Contains(r.Summary, `unknown model "sequential"`) {
		t.Errorf("unknown model: %s: %s", r.Verdict, r.Summary)
	}
}

// TestValid: a history every model admits is valid, with every count at
// zero.
func TestValid(t *testing.T) {
	h := build(t, "0 write x 1", "1 read x 1", "1 write x 2", "0 read x 2", "2 read y nil")
	r := Checker{}.Check(context.Background(), h)
	if r.Verdict != checker.Valid {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	if len(r.Anomalies) != 6 || r.Anomalies.Total() != 0 {
		t.Errorf("anomalies %v", r.Anomalies)
	}
	for name, m := range models(t, r) {
		if m.Status != Holds || m.Witness != nil {
			t.Errorf("%s: %+v", name, m)
		}
	}
	if r.Details["scope"] != Scope || r.Details["keys"] != 2 {
		t.Errorf("details %v", r.Details)
	}
}

// TestUnknown: what cannot be decided is unknown, never valid.
func TestUnknown(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name, want string
		h          history.History
	}{
		{"a value written twice", "value 1 is written twice (ops 0 and 2)", build(t, "0 write x 1", "1 write x 1 fail", "2 read x 1")},
		{"nothing read", "no read succeeded", build(t, "0 write x 1", "1 read x 1 info", "1 read x 1 fail")},
		{"empty", "no read succeeded", nil},
	} {
		r := Checker{}.Check(ctx, c.h)
		if r.Verdict != checker.Unknown || !strings.Contains(r.Summary, c.want) {
			t.Errorf("%s: %s: %s", c.name, r.Verdict, r.Summary)
		}
		for name, m := range models(t, r) {
			if m.Status != NotChecked || !strings.Contains(m.Why, c.want) {
				t.Errorf("%s: %s: %+v", c.name, name, m)
			}
		}
	}
	// A key that cannot be checked does not hide another's violation.
	r := Checker{}.Check(ctx, build(t, "0 write x 1", "1 write x 1", "0 write y 5", "0 read y nil"))
	if r.Verdict != checker.Invalid || r.Details["unknown_key_count"] != 1 {
		t.Errorf("%s: %s", r.Verdict, r.Summary)
	}
	if m := models(t, r)[string(MonotonicReads)]; m.Status != NotChecked {
		t.Errorf("monotonic reads: %+v", m)
	}
}

// TestBadInput: ops of the wrong shape are unknown, saying which.
func TestBadInput(t *testing.T) {
	base := build(t, "0 write x 1", "1 read x 1")
	for _, c := range []struct {
		name string
		edit func(h history.History)
		want string
	}{
		{"read result", func(h history.History) { h[3].Value = json.RawMessage(`"one"`) }, "read op 2 returned"},
		{"write nil", func(h history.History) { h[0].Value = nil }, "write op 0: argument"},
		{"cas shape", func(h history.History) { h[0].F, h[1].F, h[0].Value = "cas", "cas", json.RawMessage(`[1]`) }, "is not [old,new]"},
		{"f", func(h history.History) { h[2].F, h[3].F = "append", "append" }, `f "append"`},
	} {
		h := append(history.History{}, base...)
		c.edit(h)
		r := Checker{}.Check(context.Background(), h)
		if r.Verdict != checker.Unknown || !strings.Contains(r.Summary, c.want) || !strings.Contains(r.Summary, checker.ErrBadInput.Error()) {
			t.Errorf("%s: %s: %s", c.name, r.Verdict, r.Summary)
		}
	}
	if _, err := ParseModel("linearizable"); !errors.Is(err, checker.ErrBadInput) {
		t.Errorf("ParseModel: %v", err)
	}
	for _, m := range AllModels() {
		if got, err := ParseModel(string(m)); got != m || err != nil {
			t.Errorf("ParseModel(%q) = %q, %v", m, got, err)
		}
	}
}

// TestCancelled: a cancelled check is unknown.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Checker{}.Check(ctx, build(t, "0 write x 1", "0 read x nil"))
	if r.Verdict != checker.Unknown || !strings.Contains(r.Summary, "cancelled") {
		t.Errorf("%s: %s", r.Verdict, r.Summary)
	}
}

// TestDeterministic: the same history gives the same result, byte for
// byte, however the maps inside iterate.
func TestDeterministic(t *testing.T) {
	h := genLoad(rand.New(rand.NewPCG(3, 4)), loadOpts{ops: 20_000, keys: 200, procs: 10, stale: 0.01})
	r := Checker{}.Check(context.Background(), h)
	if r.Verdict != checker.Invalid {
		t.Fatalf("%s: %s", r.Verdict, r.Summary)
	}
	first, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, _ := json.Marshal(Checker{}.Check(context.Background(), h))
		if string(again) != string(first) {
			t.Fatalf("results differ:\n%s\n%s", first, again)
		}
	}
}

// TestCheckerRun: the checker runs under checker.Run like any other.
func TestCheckerRun(t *testing.T) {
	res := checker.Run(context.Background(), build(t, "0 write x 5", "0 read x nil"), Checker{})
	if r, ok := res.Checkers["session"]; !ok || r.Verdict != checker.Invalid || res.Verdict != checker.Invalid {
		t.Errorf("%+v", res)
	}
}
