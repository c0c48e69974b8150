package execclient

import (
	"testing"
	"time"
)

func TestRoughly(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{299*time.Millisecond + 700*time.Microsecond, 300 * time.Millisecond},
		{1998 * time.Millisecond, 2 * time.Second},
		{5 * time.Second, 5 * time.Second},
		{150 * time.Millisecond, 150 * time.Millisecond},
		{42 * time.Nanosecond, 42 * time.Nanosecond},
		{0, 0},
	} {
		if got := roughly(tc.in); got != tc.want {
			t.Errorf("roughly(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Any line is a completion or garbage with a reason; never a panic, and a
// completion always has a valid completion type.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{`{"type":"ok","value":1}`, `{"type":"fail"}`, `null`, `[]`, `{"type":3}`, "\xff{", `{"type":"ok","error":"x"}`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a := parseAnswer(line)
		switch {
		case a.garbage != "":
		case a.c.Type == "ok" && a.c.Error != "":
			t.Errorf("%q: ok with error %q", line, a.c.Error)
		case a.c.Type != "ok" && a.c.Type != "fail" && a.c.Type != "info":
			t.Errorf("%q: type %q accepted", line, a.c.Type)
		}
	})
}
