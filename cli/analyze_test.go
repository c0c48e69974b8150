package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// runMain runs the CLI in-process with FAULTLINE_HOME in a temporary
// directory, so no real local cluster is found.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("FAULTLINE_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// readExpected reads an expected.tsv (file, linearizable true|false).
func readExpected(t *testing.T, path string) map[string]checker.Verdict {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]checker.Verdict{}
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(l, "\t")
		if i == 0 || len(f) != 2 {
			continue // the header
		}
		switch f[1] {
		case "true":
			want[f[0]] = checker.Valid
		case "false":
			want[f[0]] = checker.Invalid
		default:
			t.Fatalf("%s line %d: %q is neither true nor false", path, i+1, f[1])
		}
	}
	return want
}

// TestAnalyzeExternal checks the histories other tools recorded through the
// CLI: every file's verdict line must match expected.tsv, the summary must
// count them, and the exit code must be 1 (some are invalid).
func TestAnalyzeExternal(t *testing.T) {
	for _, c := range []struct {
		dir, glob, model, format string
		files, valid, invalid    int
	}{
		{"jepsen-etcd", "*.log", "cas-register", "jepsen", 102, 23, 79},
		{"kv", "*.txt", "kv", "edn", 6, 3, 3},
	} {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join(externalTestdata, c.dir)
			files, err := filepath.Glob(filepath.Join(dir, c.glob))
			if err != nil || len(files) != c.files {
				t.Fatalf("%s: %d files (%v), want %d", dir, len(files), err, c.files)
			}
			want := readExpected(t, filepath.Join(dir, "expected.tsv"))
			if len(want) != c.files {
				t.Fatalf("expected.tsv lists %d files, want %d", len(want), c.files)
			}
			args := []string{"analyze", "--model", c.model, "--format", c.format}
			if c.dir == "kv" {
				// Every key is checked: c50-bad's hard keys would take the whole
				// default minute; it is invalid as soon as one key is.
				args = append(args, "--check-timeout", "15s")
			}
			args = append(args, files...)
			code, out, errOut := runMain(t, args...)
			if code != ExitInvalid {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitInvalid, errOut)
			}
			seen := map[string]bool{}
			var summary string
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if strings.HasPrefix(l, "summary: ") {
					summary = l
					continue
				}
				f := strings.SplitN(l, "\t", 4)
				if len(f) != 4 {
					t.Errorf("line %q is not FILE<tab>VERDICT<tab>TIME<tab>SUMMARY", l)
					continue
				}
				name := filepath.Base(f[0])
				w, ok := want[name]
				switch {
				case !ok:
					t.Errorf("%s is not in expected.tsv", f[0])
				case seen[name]:
					t.Errorf("%s reported twice", name)
				case checker.Verdict(f[1]) != w:
					t.Errorf("%s: verdict %s, want %s (%s)", name, f[1], w, f[3])
				}
				seen[name] = true
			}
			if len(seen) != c.files {
				t.Errorf("%d files reported, want %d", len(seen), c.files)
			}
			wantSummary := fmt.Sprintf("summary: %d files: %d valid, %d invalid, 0 unknown, 0 errors in ", c.files, c.valid, c.invalid)
			if !strings.HasPrefix(summary, wantSummary) {
				t.Errorf("summary %q, want it to start %q", summary, wantSummary)
			}
		})
	}
}

// writeRunDir makes a synthetic run directory: test.json naming the
// cas-register model and a history of sequential writes and reads on two
// keys, written with the history writer. With stale, the last read returns
// the key's previous value: not linearizable.
func writeRunDir(t *testing.T, dir string, stale bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := rundir.Config{Name: "synthetic", Target: "register", Mode: "paxos", Workload: "register", Model: "cas-register", Concurrency: 2}
	if err := rundir.WriteConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	w, err := history.Create(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rec := func(op history.Op) {
		t.Helper()
		if _, err := w.Record(op); err != nil {
			t.Fatal(err)
		}
	}
	pair := func(p history.Process, f, key string, in, out any) {
		inv := history.Op{Process: p, Type: history.Invoke, F: f, Key: key, Value: history.Raw(in), Node: "n1"}
		rec(inv)
		rec(inv.Complete(history.OK, history.Raw(out), ""))
	}
	for _, key := range []string{"a", "b"} {
		for v := 1; v <= 4; v++ {
			pair(0, "write", key, v, v)
			pair(1, "read", key, nil, v)
		}
	}
	pair(0, "cas", "a", []int{4, 5}, []int{4, 5})
	last := 5
	if stale {
		last = 4 // the cas to 5 completed before this read began
	}
	pair(1, "read", "a", nil, last)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func readResults(t *testing.T, dir string) checker.Results {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res checker.Results
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return res
}

// TestAnalyzeRunDir re-checks a run directory with no cluster: a valid
// history exits 0 and writes results.json and the report; a stale read
// exits 1 and results.json says invalid.
func TestAnalyzeRunDir(t *testing.T) {
	store := t.TempDir()
	dir := filepath.Join(store, "synthetic", "20250101T000000.000")
	writeRunDir(t, dir, false)
	// analyze follows store/latest, like the example in --help.
	if err := os.Symlink(dir, filepath.Join(store, "latest")); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runMain(t, "analyze", filepath.Join(store, "latest"))
	if code != ExitValid {
		t.Fatalf("valid history: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "verdict: valid\n") || !strings.Contains(out, "run: "+dir+"\n") {
		t.Errorf("stdout does not give the verdict and the run directory:\n%s", out)
	}
	if res := readResults(t, dir); res.Verdict != checker.Valid || res.Checkers["linearizable"].Verdict != checker.Valid {
		t.Errorf("results.json: %+v, want valid", res)
	}
	for _, f := range []string{"index.html", "timeline.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}

	writeRunDir(t, dir, true)
	code, out, errOut = runMain(t, "analyze", dir)
	if code != ExitInvalid {
		t.Fatalf("stale read: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "verdict: invalid\n") {
		t.Errorf("stdout does not say invalid:\n%s", out)
	}
	if !strings.Contains(errOut, "linearizable: invalid: ") {
		t.Errorf("stderr does not summarise the anomaly:\n%s", errOut)
	}
	if res := readResults(t, dir); res.Verdict != checker.Invalid {
		t.Errorf("results.json verdict %s, want invalid", res.Verdict)
	}
}

// TestAnalyzeRefusesSymlinks: a run directory (a CI artifact, say) whose
// results.json, report or plots directory is a symlink is bad input naming
// it, and nothing is written where the link points.
func TestAnalyzeRefusesSymlinks(t *testing.T) {
	for _, name := range []string{rundir.ResultsFile, rundir.IndexFile, rundir.PlotsDir} {
		dir, outside := t.TempDir(), t.TempDir()
		writeRunDir(t, dir, false)
		victim := filepath.Join(outside, "victim")
		if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		target := victim
		if name == rundir.PlotsDir {
			target = outside
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runMain(t, "analyze", dir)
		if code != ExitBadInput || !strings.Contains(errOut, filepath.Join(dir, name)+" is a symlink") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s a symlink: exit %d, stderr %q; want 254 and one line naming it", name, code, errOut)
		}
		if b, _ := os.ReadFile(victim); string(b) != "keep" {
			t.Errorf("%s a symlink: its target was overwritten", name)
		}
		if es, _ := os.ReadDir(outside); len(es) != 1 {
			t.Errorf("%s a symlink: %d files where it points, want the victim alone", name, len(es))
		}
	}
}

// TestAnalyzeRunDirBad: a directory without test.json, or with a corrupt
// history, is bad input naming the file.
func TestAnalyzeRunDirBad(t *testing.T) {
	empty := t.TempDir()
	code, _, errOut := runMain(t, "analyze", empty)
	if code != ExitBadInput || !strings.Contains(errOut, "test.json") {
		t.Errorf("no test.json: exit %d, stderr %q; want 254 naming test.json", code, errOut)
	}

	dir := t.TempDir()
	writeRunDir(t, dir, false)
	p := filepath.Join(dir, "history.jsonl")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines[2] = "{not json\n"
	if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runMain(t, "analyze", dir)
	if code != ExitBadInput || !strings.Contains(errOut, "line 3") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("corrupt history: exit %d, stderr %q; want 254 and one line naming line 3", code, errOut)
	}
}

// `analyze --model queue` checks the whole history: a FIFO violation near
// the end of a 4,000-op queue history (far past where the old prefix
// search stopped and said valid) is invalid, exit 1; the same history
// without it is valid, exit 0.
func TestAnalyzeQueueWholeHistory(t *testing.T) {
	write := func(swap bool) string {
		path := filepath.Join(t.TempDir(), "queue.jsonl")
		w, err := history.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		rec := func(p history.Process, f string, in, out any) {
			inv := history.Op{Process: p, Type: history.Invoke, F: f, Value: history.Raw(in)}
			if _, err := w.Record(inv); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Record(inv.Complete(history.OK, history.Raw(out), "")); err != nil {
				t.Fatal(err)
			}
		}
		const n = 1000
		for v := 1; v <= n; v++ {
			rec(history.Process(v%4), "enqueue", v, v)
			rec(history.Process(4+v%4), "dequeue", map[string]string{"id": fmt.Sprint("d-", 2*v)}, v)
		}
		for v := n + 1; v <= 2*n; v++ {
			rec(history.Process(v%4), "enqueue", v, v)
		}
		for v := n + 1; v <= 2*n; v++ {
			out := v
			if swap && v == 2*n-10 {
				out = v + 1
			} else if swap && v == 2*n-9 {
				out = v - 1
			}
			rec(history.Process(4+v%4), "dequeue", map[string]string{"id": fmt.Sprint("d-", 2*v)}, out)
		}
		rec(8, "dequeue", map[string]string{"id": "drain-1"}, nil)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	code, out, errOut := runMain(t, "analyze", "--model", "queue", write(true))
	if code != ExitInvalid || !strings.Contains(out, "\tinvalid\t") || !strings.Contains(out, "out-of-order dequeues: 1") || !strings.Contains(out, "took 1991, but 1990 was certainly ahead of it") {
		t.Fatalf("swapped pair: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runMain(t, "analyze", "--model", "queue", write(false))
	if code != ExitValid || !strings.Contains(out, "\tvalid\t") || !strings.Contains(out, "whole history: 2000 enqueues") {
		t.Fatalf("in order: exit %d\n%s%s", code, out, errOut)
	}
}
