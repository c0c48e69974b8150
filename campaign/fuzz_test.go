package campaign

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any bytes give either a spec or a one-line error wrapping
// ErrBadSpec; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodSpec))
	f.Add([]byte("name: x\ncells:\n  - {target: register, expect: invalid}\n"))
	f.Add([]byte("matrix:\n  - targets: [kv]\n    seeds: [1, 2]\n    nemeses: [[partition]]\n"))
	f.Add([]byte("defaults: {time_limit: 60}\n"))
	f.Add([]byte("\t- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data, fakeResolve)
		if err != nil {
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("error does not wrap ErrBadSpec: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if s == nil {
			t.Fatal("nil spec without an error")
		}
	})
}
