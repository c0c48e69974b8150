package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/reports"
)

// makeStore writes a store with three runs, each with its full report:
// an invalid naive run (a stale read under a partition), a valid paxos
// run with partition and kill, and a valid run without faults.
func makeStore(t *testing.T) string {
	t.Helper()
	store := t.TempDir()
	writeRun(t, store, "register-naive-register", "20260101T100000.000", "naive", []string{"partition"}, true)
	writeRun(t, store, "register-paxos-register", "20260101T110000.000", "paxos", []string{"partition", "kill"}, false)
	writeRun(t, store, "register-paxos-register", "20260101T120000.000", "paxos", nil, false)
	if err := os.Symlink("register-paxos-register/20260101T120000.000", filepath.Join(store, "latest")); err != nil {
		t.Fatal(err)
	}
	return store
}

func writeRun(t *testing.T, store, name, stamp, mode string, nemeses []string, stale bool) string {
	t.Helper()
	const sec = int64(1e9)
	var h history.History
	add := func(tm int64, p history.Process, typ history.Type, f string, v any) {
		h = append(h, history.Op{Index: int64(len(h)), Time: tm, Process: p, Type: typ, F: f, Key: "k1", Value: history.Raw(v), Node: "n1"})
	}
	for i := range 10 {
		add(int64(i)*sec/2, 0, history.Invoke, "write", i)
		add(int64(i)*sec/2+1e6, 0, history.OK, "write", i)
	}
	if len(nemeses) > 0 {
		h = append(h, history.Op{Index: int64(len(h)), Time: 5 * sec, Process: history.Nemesis, Type: history.Invoke, F: "start-partition", Value: history.Raw("bridge")})
		h = append(h, history.Op{Index: int64(len(h)), Time: 5*sec + 1e8, Process: history.Nemesis, Type: history.OK, F: "start-partition"})
	}
	add(6*sec, 1, history.Invoke, "read", nil)
	if stale {
		add(6*sec+1e6, 1, history.OK, "read", 3)
	} else {
		add(6*sec+1e6, 1, history.OK, "read", 9)
	}
	dir := filepath.Join(store, name, stamp)
	if err := os.MkdirAll(filepath.Join(dir, "nodes", "n1"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"name": name, "target": "register", "mode": mode, "workload": "register",
		"nemeses": nemeses, "seed": 7, "model": "cas-register"})
	write(t, filepath.Join(dir, "test.json"), cfg)
	write(t, filepath.Join(dir, "nodes", "n1", "node.log"), []byte("node log\n"))
	m, err := checker.ModelByName("cas-register")
	if err != nil {
		t.Fatal(err)
	}
	res := checker.Run(context.Background(), h, &checker.Linearizable{Model: m, MinOK: 1})
	rb, _ := json.Marshal(res)
	write(t, filepath.Join(dir, "results.json"), rb)
	var hb []byte
	for _, op := range h {
		b, _ := json.Marshal(op)
		hb = append(append(hb, b...), '\n')
	}
	write(t, filepath.Join(dir, "history.jsonl"), hb)
	if err := reports.WriteWith(context.Background(), dir, h, res, reports.Options{Model: "cas-register", Budget: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
