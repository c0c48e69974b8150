package models

import (
	"strings"
	"testing"
)

func TestAllIsFreshAndUnique(t *testing.T) {
	a := All()
	a[0] = "mangled"
	if All()[0] != StrictSerializable {
		t.Fatalf("All shares its slice: first model is %q after a caller's write", All()[0])
	}
	seen := map[Model]bool{}
	for _, m := range All() {
		if seen[m] {
			t.Errorf("All lists %q twice", m)
		}
		seen[m] = true
		if Doc(m) == "" {
			t.Errorf("model %q has no Doc", m)
		}
		if !Known(m) {
			t.Errorf("Known(%q) = false for a model of All", m)
		}
	}
}

func TestDocUnknown(t *testing.T) {
	if d := Doc("eventual"); d != "" {
		t.Errorf(`Doc("eventual") = %q, want ""`, d)
	}
	if Known("eventual") {
		t.Error(`Known("eventual") = true`)
	}
}

func TestParse(t *testing.T) {
	for _, m := range All() {
		got, err := Parse(string(m))
		if err != nil || got != m {
			t.Errorf("Parse(%q) = %q, %v; want %q", m, got, err, m)
		}
	}
	for name, want := range map[string]Model{
		"pram":                  PRAM,
		" Serializable ":        Serializable,
		"PL-SI":                 SnapshotIsolation,
		"PL-2.99":               RepeatableRead,
		"conflict-serializable": Serializable,
		"strong-serializable":   StrictSerializable,
		"PL-2+":                 ConsistentView,
	} {
		got, err := Parse(name)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	_, err := Parse("eventual-consistency")
	if err == nil {
		t.Fatal(`Parse("eventual-consistency") succeeded`)
	}
	msg := err.Error()
	for _, want := range []string{`"eventual-consistency"`, "known models are", string(StrictSerializable), string(ReadYourWrites)} {
		if !strings.Contains(msg, want) {
			t.Errorf("Parse error %q does not mention %q", msg, want)
		}
	}
	if _, err := Parse("  "); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf(`Parse("  ") error = %v, want one saying the name is empty`, err)
	}
}
