package web

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// synthRun is a run written without running anything: test.json,
// results.json with the controller's stats, and a history of ops evenly
// spread over end ns (the culprit of an invalid run is op invoke 2*k+0 of
// process 1 near the middle).
type synthRun struct {
	Name, Stamp string
	Verdict     checker.Verdict
	ClientOps   int   // invocations in the history and in stats.client_ops
	End         int64 // the last op's time, ns
	NoReport    bool  // no index.html
}

// culpritIndex is the invoke index of a synthetic invalid run's culprit,
// and culpritDone the time its completion is written at.
const culpritIndex = 10

func culpritDone(end int64, ops int) int64 {
	return int64(culpritIndex/2+1)*end/int64(ops) - 1
}

func writeSynth(t testing.TB, store string, r synthRun) string {
	t.Helper()
	dir := filepath.Join(store, r.Name, r.Stamp)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"name": r.Name, "target": "register", "mode": "naive", "workload": "register",
		"nemeses": []string{"partition"}, "seed": 1})
	writeTB(t, filepath.Join(dir, rundir.ConfigFile), cfg)
	var hb []byte
	for i := 0; i < r.ClientOps; i++ {
		// Op pair i: invoke at i*step, completion at (i+1)*step-1.
		inv := int64(i) * r.End / int64(r.ClientOps)
		done := int64(i+1)*r.End/int64(r.ClientOps) - 1
		if i == r.ClientOps-1 {
			done = r.End
		}
		hb = fmt.Appendf(hb, `{"index":%d,"time":%d,"process":1,"type":"invoke","f":"read","key":"k"}`+"\n", 2*i, inv)
		hb = fmt.Appendf(hb, `{"index":%d,"time":%d,"process":1,"type":"ok","f":"read","key":"k","value":%d}`+"\n", 2*i+1, done, i)
	}
	writeTB(t, filepath.Join(dir, rundir.HistoryFile), hb)
	if r.Verdict != "" {
		c := checker.Result{Verdict: r.Verdict, Summary: "fine"}
		if r.Verdict == checker.Invalid {
			c.Summary = "1 of 1 keys not linearizable"
			c.Details = map[string]any{"anomaly": map[string]any{"key": "k", "op": `read("k") -> 5`, "index": culpritIndex,
				"process": "1", "prefix_len": 5, "state": "4"}}
		}
		res := checker.Results{Verdict: r.Verdict, Checkers: map[string]checker.Result{"linearizable": c}}
		res.Stats, _ = json.Marshal(map[string]any{"client_ops": r.ClientOps, "nemesis_ops": 0})
		if err := rundir.WriteResults(dir, res); err != nil {
			t.Fatal(err)
		}
	}
	if !r.NoReport && r.Verdict != "" {
		writeTB(t, filepath.Join(dir, rundir.IndexFile), []byte("<!doctype html><title>report</title>"))
	}
	return dir
}

func writeTB(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stamp is the run directory name of the i-th run (later i, newer).
func stamp(i int) string {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(rundir.TimeFormat)
}
