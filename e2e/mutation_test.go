package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/history"
)

// mutateInfoToFail copies a run directory with every client info op
// rewritten as fail — the classic harness bug of treating a timeout as
// "did not happen" — and returns the copy and how many of those ops were
// writes whose value a later ok read returned (each one is a write that did
// happen: calling it failed makes that read come from nowhere).
func mutateInfoToFail(t *testing.T, dir string) (string, int) {
	t.Helper()
	h, err := history.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// Values of writes and cas that ended info, by key.
	infoVal := map[string]map[string]bool{}
	invokes := map[history.Process]history.Op{}
	for _, op := range h {
		if op.IsNemesis() {
			continue
		}
		if op.Type == history.Invoke {
			invokes[op.Process] = op
			continue
		}
		inv := invokes[op.Process]
		if op.Type == history.Info && (op.F == "write" || op.F == "cas") {
			v := string(inv.Value)
			if op.F == "cas" {
				var pair []json.RawMessage
				if json.Unmarshal(inv.Value, &pair) == nil && len(pair) == 2 {
					v = string(pair[1])
				}
			}
			if infoVal[op.Key] == nil {
				infoVal[op.Key] = map[string]bool{}
			}
			infoVal[op.Key][v] = true
		}
	}
	seen := 0
	counted := map[string]bool{}
	for _, op := range h {
		if !op.IsNemesis() && op.Type == history.OK && op.F == "read" && infoVal[op.Key][string(op.Value)] {
			if !counted[op.Key+"="+string(op.Value)] {
				counted[op.Key+"="+string(op.Value)] = true
				seen++
			}
		}
	}
	out := t.TempDir()
	for _, f := range []string{"test.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(out, f), b, 0o644)
	}
	w, err := history.Create(filepath.Join(out, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range h {
		if !op.IsNemesis() && op.Type == history.Info {
			op.Type = history.Fail
		}
		if _, err := w.Append(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out, seen
}
