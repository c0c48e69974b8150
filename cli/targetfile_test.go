package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/exitcode"
)

func TestTargetFileArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"test", "--target-file", "a.yaml", "--target-file=b.yaml"}, []string{"a.yaml", "b.yaml"}},
		{[]string{"test", "--target-file"}, nil},
		{[]string{"test", "--", "--target-file", "x"}, nil},
		{[]string{"list"}, nil},
	} {
		if got := targetFileArgs(c.args); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.args, got, c.want)
		}
	}
}

// A target file's target is listed and is the default --target; a bad
// one is one line naming its line, exit 254; a name the binary already
// has is refused.
func TestTargetFileRegisters(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "mine.yaml")
	os.WriteFile(good, []byte("name: mine\ndoc: my system\nworkloads: [register]\nprogram: /bin/sleep\nclient: {command: [/bin/cat]}\n"), 0o644)
	var out, errs bytes.Buffer
	if code := Main([]string{"list", "--target-file", good}, &out, &errs); code != 0 || !strings.Contains(out.String(), "\n  mine: my system") {
		t.Fatalf("list: exit %d, stdout %q, stderr %q", code, out.String(), errs.String())
	}
	out.Reset()
	if code := Main([]string{"test", "--help", "--target-file", good}, &out, &errs); code != 0 || !strings.Contains(out.String(), `(default "mine")`) {
		t.Errorf("test --help: exit %d; want mine as the default --target:\n%s", code, out.String())
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: mine\nworkloads: [register]\nprogram: /bin/sleep\nsupports: [pausee]\nclient: {command: [/bin/cat]}\n"), 0o644)
	errs.Reset()
	if code := Main([]string{"list", "--target-file", bad}, &out, &errs); code != exitcode.BadInput ||
		!strings.Contains(errs.String(), "bad.yaml:4") || strings.Count(errs.String(), "\n") != 1 {
		t.Errorf("bad file: exit %d, stderr %q; want 254 and one line naming bad.yaml:4", code, errs.String())
	}
	dup := filepath.Join(dir, "dup.yaml")
	os.WriteFile(dup, []byte("name: register\nworkloads: [register]\nprogram: /bin/sleep\nclient: {command: [/bin/cat]}\n"), 0o644)
	errs.Reset()
	if code := Main([]string{"list", "--target-file", dup}, &out, &errs); code != exitcode.BadInput || !strings.Contains(errs.String(), "already known") {
		t.Errorf("a built-in's name: exit %d, stderr %q; want 254", code, errs.String())
	}
}
