package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/targets"
	"github.com/faultline/faultline/targets/builtin"
)

// A binary that registers a target twice, or one that serves a workload
// nobody registered, is refused before any command runs.
func TestProgramRefusesMalformedRegistrations(t *testing.T) {
	dup := builtin.Targets[0]
	orphan := builtin.Targets[0]
	orphan.Name = "orphan"
	orphan.Workloads = []string{"no-such-workload"}
	for name, p := range map[string]Program{
		"twice":  {Targets: []targets.Target{dup}},
		"orphan": {Targets: []targets.Target{orphan}},
	} {
		var out, errs bytes.Buffer
		if code := p.Main([]string{"list"}, &out, &errs); code != exitcode.Harness {
			t.Errorf("%s: exit %d, want %d", name, code, exitcode.Harness)
		}
		if msg := errs.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, dup.Name) && !strings.Contains(msg, "orphan") {
			t.Errorf("%s: stderr %q, want one line naming the target", name, msg)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout %q, want nothing", name, out.String())
		}
	}
}
