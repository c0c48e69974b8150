package rundir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/faultline/faultline/checker"
)

// Each fixture holds test.json and results.json as run.Run wrote them
// before this package, at the commit in its name, on an in-memory register
// with stale reads, a target reporting stats and every test.json field
// set: the records must read them and write them back byte for byte.
// 67fa24c predates the typed anomaly counts, 235ade8 writes them.
var fixtures = []struct {
	dir       string
	start     time.Time
	anomalies checker.Anomalies
}{
	{"testdata/run-67fa24c", time.Date(2026, 12, 7, 0, 20, 17, 522285269, time.UTC), nil},
	{"testdata/run-235ade8", time.Date(2026, 12, 7, 0, 49, 18, 294055387, time.UTC), checker.Anomalies{"nonlinearizable-keys": 1}},
}

func TestReadFixtures(t *testing.T) {
	for _, f := range fixtures {
		cfg, err := ReadConfig(f.dir)
		if err != nil {
			t.Fatal(err)
		}
		want := Config{Name: "unit", Target: "register", Mode: "naive", Workload: "register", Nemeses: []string{"partition"},
			Seed: 7, TimeLimit: Duration(150 * time.Millisecond), NemesisInterval: Duration(10 * time.Second),
			OpTimeout: Duration(time.Second), Concurrency: 2, Rate: 200, Model: "cas-register",
			Nodes:     []Node{{Name: "n1", Address: "198.18.0.11"}, {Name: "n2", Address: "198.18.0.12", Port: 2222}},
			NodesFile: "/tmp/nodes.yaml", Versions: map[string]string{"faultline": "v0.0.0-test"}, Start: f.start}
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("%s/test.json:\n got %+v\nwant %+v", f.dir, cfg, want)
		}
		res, err := ReadResults(f.dir)
		if err != nil {
			t.Fatal(err)
		}
		lin := res.Checkers["linearizable"]
		if res.Verdict != checker.Invalid || lin.Verdict != checker.Invalid || lin.Summary == "" {
			t.Errorf("%s/results.json: verdict %s, linearizable %+v", f.dir, res.Verdict, lin)
		}
		if a, _ := lin.Details["anomaly"].(map[string]any); a["key"] != "k2" {
			t.Errorf("%s/results.json: details.anomaly %v, want key k2", f.dir, lin.Details["anomaly"])
		}
		if !reflect.DeepEqual(lin.Anomalies, f.anomalies) {
			t.Errorf("%s/results.json: anomalies %v, want %v", f.dir, lin.Anomalies, f.anomalies)
		}
		var stats map[string]json.RawMessage
		if err := json.Unmarshal(res.Stats, &stats); err != nil || stats["controller"] == nil || stats["target"] == nil {
			t.Errorf("%s/results.json: stats %s (%v), want controller and target", f.dir, res.Stats, err)
		}
	}
}

// TestFixtureRoundTrip: what is read from a directory written by the old
// code is written back identical, so the records changed nothing on disk.
func TestFixtureRoundTrip(t *testing.T) {
	for _, f := range fixtures {
		dir := t.TempDir()
		cfg, err := ReadConfig(f.dir)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ReadResults(f.dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteConfig(dir, cfg); err != nil {
			t.Fatal(err)
		}
		if err := WriteResults(dir, res); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{ConfigFile, ResultsFile} {
			old, _ := os.ReadFile(filepath.Join(f.dir, name))
			now, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(old, now) {
				t.Errorf("%s/%s written back differs (%v):\n%s\nwant:\n%s", f.dir, name, err, now, old)
			}
		}
	}
}

// TestRoundTripEmpty: the zero records keep the omitempty rules (no
// nodes_file, versions, summary, details or stats) and read back equal.
func TestRoundTripEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := WriteConfig(dir, Config{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	res := checker.Results{Verdict: checker.Unknown, Checkers: map[string]checker.Result{"history": {Verdict: checker.Unknown}}}
	if err := WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"nodes_file", "versions"} {
		if _, ok := m[k]; ok {
			t.Errorf("test.json has %s, which is omitted when empty: %s", k, b)
		}
	}
	if v, ok := m["nodes"]; !ok || v != nil {
		t.Errorf("test.json nodes = %v (present %v), want null: %s", v, ok, b)
	}
	if m["time_limit"] != "0s" {
		t.Errorf("test.json time_limit = %v, want \"0s\"", m["time_limit"])
	}
	want := "{\n  \"verdict\": \"unknown\",\n  \"checkers\": {\n    \"history\": {\n      \"verdict\": \"unknown\"\n    }\n  }\n}\n"
	if b, _ := os.ReadFile(filepath.Join(dir, ResultsFile)); string(b) != want {
		t.Errorf("results.json:\n%s\nwant:\n%s", b, want)
	}
	cfg, err := ReadConfig(dir)
	if err != nil || !reflect.DeepEqual(cfg, Config{Name: "x"}) {
		t.Errorf("ReadConfig = %+v, %v", cfg, err)
	}
	back, err := ReadResults(dir)
	if err != nil || !reflect.DeepEqual(back, res) {
		t.Errorf("ReadResults = %+v, %v; want %+v", back, err, res)
	}
}

// TestReadForeign: a test.json another tool wrote, with fields of its own
// and none of ours but the name, still reads.
func TestReadForeign(t *testing.T) {
	fsys := fstest.MapFS{"r/test.json": {Data: []byte(`{"name":"other","tool":"jepsen","nodes":[{"name":"n1","address":"10.0.0.1","os":"debian"}]}`)}}
	cfg, err := ReadConfigFS(fsys, "r")
	if err != nil || cfg.Name != "other" || len(cfg.Nodes) != 1 || cfg.Nodes[0].Address != "10.0.0.1" {
		t.Errorf("ReadConfigFS = %+v, %v", cfg, err)
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadConfig(dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte(filepath.Join(dir, ConfigFile))) {
		t.Errorf("missing test.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ResultsFile), []byte(`{"verdict": `), 0o644)
	if _, err := ReadResults(dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte(filepath.Join(dir, ResultsFile))) {
		t.Errorf("torn results.json: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"time_limit": "60"}`), 0o644)
	if _, err := ReadConfig(dir); err == nil || !bytes.Contains([]byte(err.Error()), []byte(ConfigFile)) {
		t.Errorf("time_limit without a unit: %v", err)
	}
}
