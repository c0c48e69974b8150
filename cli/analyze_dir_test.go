package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpandArgsDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b/2.jsonl", "a.jsonl", "notes.md", ".hidden/3.jsonl", ".x.jsonl", "c/d/4.jsonl"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := expandArgs([]string{"first.jsonl", dir, "missing.jsonl"}, "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"first.jsonl", filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b/2.jsonl"), filepath.Join(dir, "c/d/4.jsonl"), "missing.jsonl"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("expandArgs = %q, want %q", got, want)
	}
	if _, err := expandArgs([]string{dir}, "edn"); err == nil || exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "no edn history files") {
		t.Fatalf("a directory without edn files: err %v (exit %d), want a bad-input error", err, exitCode(err))
	}
}

func TestAnalyzeDirectoryOfHistories(t *testing.T) {
	dir := filepath.Join(externalTestdata, "jepsen-etcd")
	code, out, errOut := runMain(t, "analyze", "--model", "cas-register", "--format", "jepsen", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some histories are invalid); stderr %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 103 || !strings.HasPrefix(lines[102], "summary: 102 files: 23 valid, 79 invalid, 0 unknown, 0 errors") {
		t.Fatalf("want 102 verdict lines and the summary, got %d lines ending %q", len(lines), lines[len(lines)-1])
	}
	if !strings.HasPrefix(lines[0], filepath.Join(dir, "etcd_000.log")+"\tinvalid\t") {
		t.Fatalf("lines are not in file order: first %q", lines[0])
	}
}
