package checker

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtures are the external histories with published verdicts (see
// testdata/external/README.md at the repository's root), relative to this package.
const fixtures = "../testdata/external"

func readExpected(t testing.TB, dir string) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) != 2 || fs[0] == "file" {
			continue
		}
		want[fs[0]] = fs[1] == "true"
	}
	return want
}

func TestPublishedVerdicts(t *testing.T) {
	for _, c := range []struct {
		dir, model, format string
		n                  int
	}{
		{"jepsen-etcd", "cas-register", "jepsen", 102},
		{"kv", "kv", "edn", 6},
	} {
		dir := filepath.Join(fixtures, c.dir)
		want := readExpected(t, dir)
		if len(want) != c.n {
			t.Fatalf("%s: expected.tsv has %d entries, want %d", dir, len(want), c.n)
		}
		for _, file := range sortedKeys(want) {
			valid := want[file]
			t.Run(c.dir+"/"+file, func(t *testing.T) {
				t.Parallel()
				// Every key is checked: a bad history with hard keys spends its
				// whole budget, and is invalid as soon as one key is.
				timeout := 5 * time.Minute
				if !valid {
					timeout = 15 * time.Second
				}
				res, err := AnalyzeFile(context.Background(), filepath.Join(dir, file), c.model, c.format, Linearizable{Timeout: timeout})
				if err != nil {
					t.Fatal(err)
				}
				wantV := Invalid
				if valid {
					wantV = Valid
				}
				if res.Verdict != wantV {
					t.Fatalf("verdict %s, want %s: %s", res.Verdict, wantV, res.Summary)
				}
				if wantV == Invalid && (len(IllegalKeys(res)) == 0 || res.Details["anomaly"] == nil) {
					t.Fatalf("invalid without illegal keys or anomaly: %+v", res)
				}
			})
		}
	}
}
