package builtin

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/faultline/faultline/targets"
)

// The truth table in docs/design.md is the targets' declarations, row for
// row: a mode added, removed or moved in the table without the other is a
// failure here.
func TestTruthTableMatchesDocs(t *testing.T) {
	f, err := os.Open("../../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type row struct{ lin, conv string }
	doc := map[string]row{}
	var order []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<!-- truth table"):
			in = true
			continue
		case strings.HasPrefix(line, "<!-- end truth table"):
			in = false
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 4 {
			t.Fatalf("docs/design.md truth table row %q: want target | mode | linearizable | converges | ...", line)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == "target" || strings.HasPrefix(cells[0], "---") {
			continue
		}
		key := cells[0] + " " + cells[1]
		doc[key] = row{cells[2], cells[3]}
		order = append(order, key)
	}
	if len(doc) == 0 {
		t.Fatal("docs/design.md has no truth table between its markers")
	}
	word := func(e targets.Expect) string {
		if e == targets.NA {
			return "n/a"
		}
		return string(e)
	}
	var declared []string
	for _, tg := range Targets {
		for _, m := range tg.Modes {
			key := tg.Name + " " + m.Name
			declared = append(declared, key)
			got, ok := doc[key]
			switch {
			case !ok:
				t.Errorf("%s: declared in targets/%s, missing from docs/design.md's truth table", key, tg.Name)
			case got != (row{word(m.Linearizable), word(m.Converges)}):
				t.Errorf("%s: docs say linearizable %s, converges %s; the declaration says %s, %s",
					key, got.lin, got.conv, word(m.Linearizable), word(m.Converges))
			}
		}
	}
	if strings.Join(declared, ",") != strings.Join(order, ",") {
		t.Errorf("truth table rows %v, want the declarations' order %v (defaults first)", order, declared)
	}
}

// Targets never import workloads, checkers or the harness above them, and
// workloads import no concrete target: the two meet in the CLI's registry.
func TestLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := func(pattern string) map[string][]string {
		out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, pattern).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pattern, err)
		}
		m := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			m[f[0]] = f[1:]
		}
		return m
	}
	const mod = "github.com/faultline/faultline/"
	check := func(pattern string, bad func(dep string) bool) {
		for pkg, ds := range deps(pattern) {
			for _, d := range ds {
				if strings.HasPrefix(d, mod) && bad(strings.TrimPrefix(d, mod)) {
					t.Errorf("%s imports %s", strings.TrimPrefix(pkg, mod), strings.TrimPrefix(d, mod))
				}
			}
		}
	}
	above := []string{"workloads", "checker", "nemesis", "run", "rundir", "campaign", "reports", "cmd"}
	check("../../targets/...", func(d string) bool {
		for _, a := range above {
			if d == a || strings.HasPrefix(d, a+"/") {
				return true
			}
		}
		return false
	})
	check("../../workloads/...", func(d string) bool { return strings.HasPrefix(d, "targets/") })
	check("../../fault", func(d string) bool { return d != "history" })
}
