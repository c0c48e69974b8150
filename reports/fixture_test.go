package reports

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

const sec = int64(1e9)

// builder makes histories in virtual time.
type builder struct{ h history.History }

func (b *builder) add(t int64, p history.Process, typ history.Type, f, key string, v any, errText string) {
	b.h = append(b.h, history.Op{Index: int64(len(b.h)), Time: t, Process: p, Type: typ, F: f, Key: key,
		Value: history.Raw(v), Error: errText, Node: "n1"})
}

func (b *builder) nem(t int64, typ history.Type, f string, v any) {
	b.add(t, history.Nemesis, typ, f, "", v, "")
}

// badRun is a register history on keys k1 and k2 under a partition and a
// kill, in which a read of k1 at 5s returns 1 after write 2 completed:
// a stale read, not linearizable.
func badRun() history.History {
	var b builder
	b.add(1*sec, 0, history.Invoke, "write", "k1", 1, "")
	b.add(1*sec+1e6, 0, history.OK, "write", "k1", 1, "")
	b.nem(2*sec, history.Invoke, "start-partition", "majorities-ring")
	b.nem(2*sec+5e8, history.OK, "start-partition", map[string][]string{"n1": {"n2"}})
	b.add(3*sec, 1, history.Invoke, "write", "k1", 2, "")
	b.add(3*sec+2e6, 1, history.OK, "write", "k1", 2, "")
	b.add(3*sec+5e6, 2, history.Invoke, "write", "k2", 7, "")
	b.add(3*sec+9e6, 2, history.Fail, "write", "k2", 7, "no quorum")
	b.add(5*sec, 0, history.Invoke, "read", "k1", nil, "")
	b.add(5*sec+3e6, 0, history.OK, "read", "k1", 1, "")
	b.nem(6*sec, history.Invoke, "stop-partition", nil)
	b.nem(6*sec+1e8, history.OK, "stop-partition", nil)
	b.nem(7*sec, history.Invoke, "kill", "one")
	b.nem(7*sec+2e8, history.OK, "kill", []string{"n3"})
	b.add(7*sec+5e8, 2, history.Invoke, "read", "k2", nil, "")
	b.add(9*sec+5e8, 2, history.Info, "read", "k2", nil, "timeout")
	b.nem(9*sec, history.Invoke, "start", nil)
	b.nem(9*sec+1e8, history.OK, "start", []string{"n3"})
	b.add(10*sec, 3, history.Invoke, "read", "k2", nil, "")
	b.add(10*sec+1e6, 3, history.OK, "read", "k2", nil, "")
	return b.h
}

// writeRunDir writes a run directory for h: test.json, history.jsonl and
// the results of the real linearizability checker.
func writeRunDir(t *testing.T, store, name, stamp string, h history.History, nemeses []string) (string, checker.Results) {
	t.Helper()
	dir := filepath.Join(store, name, stamp)
	if err := os.MkdirAll(filepath.Join(dir, "nodes", "n1"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"name": name, "target": "register", "mode": "naive", "workload": "register",
		"nemeses": nemeses, "seed": 2, "time_limit": "10s", "concurrency": 4, "model": "cas-register",
		"nodes":    []map[string]string{{"name": "n1", "address": "198.18.0.11"}, {"name": "n2", "address": "198.18.0.12"}},
		"versions": map[string]string{"faultline": "test"}}
	b, _ := json.Marshal(cfg)
	mustWrite(t, filepath.Join(dir, "test.json"), b)
	mustWrite(t, filepath.Join(dir, "nodes", "n1", "faultline-node.log"), []byte("started\n"))
	var hb []byte
	for _, op := range h {
		l, _ := json.Marshal(op)
		hb = append(append(hb, l...), '\n')
	}
	mustWrite(t, filepath.Join(dir, "history.jsonl"), hb)
	m, err := checker.ModelByName("cas-register")
	if err != nil {
		t.Fatal(err)
	}
	res := checker.Run(context.Background(), h, &checker.Linearizable{Model: m, MinOK: 1})
	rb, _ := json.Marshal(res)
	mustWrite(t, filepath.Join(dir, "results.json"), rb)
	return dir, res
}

func mustWrite(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
