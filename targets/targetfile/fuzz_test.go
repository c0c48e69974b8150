package targetfile

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/targets"
)

// FuzzParse: no input panics, and every refusal is one line naming the
// file that wraps ErrTargetFile.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/zookeeper.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(sample))
	f.Add(minimal)
	f.Add(minimal + "modes:\n  - {name: a, vars: {x: '{{.Vars.x}}'}}\nstart: ['{{range .Peers}}{{.ID}}{{end}}']\n")
	f.Add("a: &x [*x]\n")
	f.Fuzz(func(t *testing.T, data string) {
		_, err := Parse("f.yaml", []byte(data))
		if err == nil {
			return
		}
		if !errors.Is(err, ErrTargetFile) || !errors.Is(err, targets.ErrInvalid) {
			t.Fatalf("error does not wrap ErrTargetFile: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "f.yaml") || strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("error is not one line naming the file: %q", err)
		}
	})
}
