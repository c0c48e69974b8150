package reports

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
)

func TestRunMetricsFromRunDir(t *testing.T) {
	dir, _ := writeRunDir(t, t.TempDir(), "register-naive-register", "20260101T000000.000", badRun(), []string{"partition", "kill"})
	m, err := RunMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	// 6 completed client ops, 4 ok (a fail and an info); the stale read makes k1 non-linearizable.
	if m.Ops != 6 || m.OK != 4 {
		t.Errorf("ops %d ok %d, want 6 and 4", m.Ops, m.OK)
	}
	if n, ok := m.Anomalies[checker.AnomalyNonLinearizableKey]; !ok || n != 1 {
		t.Errorf("non-linearizable keys %v, want 1", m.Anomalies)
	}
	for _, k := range []checker.Anomaly{checker.AnomalyStaleRead, checker.AnomalyLostMessage, checker.AnomalyDivergentKey} {
		if _, ok := m.Anomalies[k]; ok {
			t.Errorf("%s counted, but no checker of the run measures it: %+v", k, m.Anomalies)
		}
	}
	// Faults: partition 2s..6.1s, kill 7s..9.1s: 6.2s in all.
	if m.Faults != 2 || m.FaultSeconds < 6.19 || m.FaultSeconds > 6.21 {
		t.Errorf("faults %d for %.3fs, want 2 for 6.2s", m.Faults, m.FaultSeconds)
	}
	// During faults: write k1=2 ok, write k2 fail, read k1 ok, read k2 info.
	if m.AvailDuring == nil || *m.AvailDuring != 0.5 {
		t.Errorf("availability during faults %v, want 0.5", m.AvailDuring)
	}
	if m.P50Ms <= 0 || m.P99Ms < m.P50Ms || m.Throughput <= 0 {
		t.Errorf("latency/throughput %+v", m)
	}
}

// Metrics sums the checkers' typed counts by kind, whatever the checkers
// are called, keeps a kind that was measured as zero, and carries any
// checker's measures, including kinds and measures no code here knows.
func TestMetricsFromCheckerCounts(t *testing.T) {
	res := checker.Results{Verdict: checker.Invalid, Checkers: map[string]checker.Result{
		"total-queue": {Verdict: checker.Invalid, Anomalies: checker.Anomalies{checker.AnomalyLostMessage: 3, checker.AnomalyDuplicatedMessage: 1}},
		"convergence": {Verdict: checker.Invalid, Anomalies: checker.Anomalies{checker.AnomalyDivergentKey: 2}},
		"stale-reads": {Verdict: checker.Valid, Anomalies: checker.Anomalies{checker.AnomalyStaleRead: 4}},
		"set":         {Verdict: checker.Invalid, Anomalies: checker.Anomalies{checker.AnomalyStaleRead: 1, checker.AnomalyLostWrite: 3}},
		"my-checker":  {Verdict: checker.Valid, Anomalies: checker.Anomalies{"torn-pages": 0}, Measures: map[string]float64{"fsync_p99_ms": 7}},
		"faults":      {Verdict: checker.Valid},
	}}
	m := Metrics(nil, res)
	want := checker.Anomalies{checker.AnomalyLostMessage: 3, checker.AnomalyDuplicatedMessage: 1, checker.AnomalyDivergentKey: 2,
		checker.AnomalyStaleRead: 5, checker.AnomalyLostWrite: 3, "torn-pages": 0}
	if !reflect.DeepEqual(m.Anomalies, want) {
		t.Errorf("anomalies %v, want %v", m.Anomalies, want)
	}
	if m.Measures["fsync_p99_ms"] != 7 {
		t.Errorf("measures %v", m.Measures)
	}
	if _, ok := m.Measures["converge_ms"]; ok {
		t.Errorf("converge ms %v, want none (never converged)", m.Measures)
	}
	// The campaign table has a column for each, the unknown ones by name.
	s := sampleSummary()
	s.Results[1].Metrics = m
	var heads []string
	for _, c := range metricCols(s.Results) {
		heads = append(heads, c.name)
	}
	for _, h := range []string{"non-lin keys", "stale reads", "torn pages", "fsync p99 ms", "p99 ms"} {
		if !slices.Contains(heads, h) {
			t.Errorf("columns %v lack %q", heads, h)
		}
	}
}

func sampleSummary() *campaign.Summary {
	avail := 0.8
	cell := func(id, mode string, nem []string, ex campaign.Expect) campaign.Cell {
		return campaign.Cell{ID: id, Target: "kv", Mode: mode, Workload: "kv", Nemeses: nem, Seed: 1, Repetition: 1, Expect: ex}
	}
	cells := []campaign.Cell{
		cell("kv-one-kv-partition-s1", "one", []string{"partition"}, campaign.ExpectInvalid),
		cell("kv-serial-kv-partition-s1", "serial", []string{"partition"}, campaign.ExpectValid),
		cell("kv-quorum-kv-clock-s1", "quorum", []string{"clock"}, campaign.ExpectInvalid),
		cell("kv-all-kv-clock-s1", "all", []string{"clock"}, campaign.ExpectValid),
		cell("kv-serial-kv-clock-s1", "serial", []string{"clock"}, campaign.ExpectValid),
	}
	s := &campaign.Summary{Name: "models", Spec: "campaigns/models.yaml", Cells: cells, Start: time.Unix(0, 0).UTC()}
	s.Results = []campaign.Result{
		campaign.Judge(cells[0], checker.Invalid, 1, nil),                    // caught: pass
		campaign.Judge(cells[1], checker.Valid, 0, nil),                      // pass
		campaign.Judge(cells[2], checker.Valid, 0, nil),                      // not caught: failure
		campaign.Judge(cells[3], "", 255, errors.New("node n2 unreachable")), // error
	}
	s.Results[0].Metrics = &campaign.Metrics{Ops: 100, OK: 90, AvailDuring: &avail,
		Anomalies: checker.Anomalies{checker.AnomalyStaleRead: 1, checker.AnomalyNonLinearizableKey: 1}}
	s.Results[1].Metrics = &campaign.Metrics{Ops: 100, OK: 60, P99Ms: 40,
		Anomalies: checker.Anomalies{checker.AnomalyStaleRead: 0, checker.AnomalyNonLinearizableKey: 0}}
	s.Results[0].Run = "runs/kv-one-kv-partition-s1"
	s.Finish(time.Unix(100, 0))
	return s
}

func TestCampaignJUnit(t *testing.T) {
	j := CampaignJUnit(sampleSummary())
	if len(j.Suites) != 1 || j.Tests != 5 || j.Failures != 1 || j.Errors != 2 {
		t.Fatalf("tests %d failures %d errors %d, want 5, 1, 2", j.Tests, j.Failures, j.Errors)
	}
	cs := j.Suites[0].Cases
	if cs[0].Failure != nil || cs[0].Error != nil || !strings.Contains(cs[0].SystemOut, "verdict invalid, expected invalid") {
		t.Errorf("caught expected-invalid cell is not a pass: %+v", cs[0])
	}
	if cs[1].Failure != nil || cs[1].Error != nil {
		t.Errorf("valid cell: %+v", cs[1])
	}
	if cs[2].Failure == nil || !strings.Contains(cs[2].Failure.Message, "not caught") {
		t.Errorf("uncaught anomaly is not a failure: %+v", cs[2])
	}
	if cs[3].Error == nil || !strings.Contains(cs[3].Error.Message, "unreachable") {
		t.Errorf("harness error is not an error: %+v", cs[3])
	}
	if cs[4].Error == nil || !strings.Contains(cs[4].Error.Message, "not run") {
		t.Errorf("cell never run: %+v", cs[4])
	}
}

func TestWriteCampaign(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCampaign(dir, sampleSummary()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`<header class="banner unknown">`, `<div class="verdict" id="verdict">failed</div>`, "2/5 expectations met", // a harness error, and a cell not run
		`<th class="mode">serial</th>`, `<th>partition</th>`, `<th>clock</th>`,
		`href="runs/kv-one-kv-partition-s1/index.html"`,
		"1 non-linearizable keys", "80% answered during faults", "expected invalid: the anomaly was not caught",
		"plots/campaign-kv-kv-avail.png",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	for _, f := range []string{"junit.xml", "plots/campaign-kv-kv-avail.png", "plots/campaign-kv-kv-p99.svg", "plots/campaign-kv-kv-anomalies-stale-reads.png", "plots/campaign-kv-kv-anomalies-nonlinearizable-keys.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	jb, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	var j JUnitSuites
	if err := xml.Unmarshal(jb, &j); err != nil || j.Tests != 5 {
		t.Errorf("junit.xml: %v, %d tests", err, j.Tests)
	}
}

func TestGroupResultsGrid(t *testing.T) {
	gs := GroupResults(sampleSummary().Results)
	if len(gs) != 1 {
		t.Fatalf("%d groups", len(gs))
	}
	g := gs[0]
	if strings.Join(g.Modes, ",") != "one,serial,quorum,all" || strings.Join(g.Nemeses, ",") != "partition,clock" {
		t.Errorf("modes %v nemeses %v", g.Modes, g.Nemeses)
	}
	if len(g.Cells["serial"]["partition"]) != 1 || len(g.Cells["one"]["clock"]) != 0 {
		t.Errorf("grid %+v", g.Cells)
	}
}

func TestCampaignStepSummary(t *testing.T) {
	md := CampaignStepSummary("store/campaigns/models/x", sampleSummary())
	for _, want := range []string{"faultline campaign models: **unknown** (2 of 5 cells met", "| `kv-one-kv-partition-s1` | invalid | ❌ invalid | ✅ |",
		"| `kv-quorum-kv-clock-s1` | invalid | ✅ valid | ❌ expected invalid: the anomaly was not caught |"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}

// wideSummary is a campaign whose runs count every known anomaly kind and
// some unknown ones, most of them never, and report several measures: a
// comparison table far wider than a screen.
func wideSummary() *campaign.Summary {
	kinds := []checker.Anomaly{checker.AnomalyNonLinearizableKey, checker.AnomalyStaleRead, checker.AnomalyLostWrite,
		checker.AnomalyLostMessage, checker.AnomalyDuplicatedMessage, checker.AnomalyDivergentKey, checker.AnomalyFIFOOrder,
		checker.AnomalyFIFOEmpty, checker.AnomalyFIFOFresh, checker.AnomalyFIFORepeat, "torn-pages", "phantom-reads-under-snapshot-isolation"}
	var cells []campaign.Cell
	for _, mode := range []string{"naive", "primary-backup", "quorum", "paxos"} {
		for _, nem := range [][]string{{"partition"}, {"partition", "kill"}, {"clock", "pause", "partition"}} {
			cells = append(cells, campaign.Cell{ID: "queue-" + mode + "-queue-" + strings.Join(nem, ",") + "-s7-r1", Target: "queue", Mode: mode,
				Workload: "queue", Nemeses: nem, Seed: 7, Repetition: 1, Expect: campaign.ExpectValid})
		}
	}
	s := &campaign.Summary{Name: "wide", Spec: "campaigns/wide.yaml", Cells: cells, Start: time.Unix(0, 0).UTC()}
	avail := 0.75
	for i, c := range cells {
		an := checker.Anomalies{}
		for _, k := range kinds {
			an[k] = 0
		}
		verdict := checker.Valid
		if i%5 == 0 { // only these two kinds are ever counted
			an[checker.AnomalyFIFOOrder], an["torn-pages"] = i+1, 2
			verdict = checker.Invalid
		}
		r := campaign.Judge(c, verdict, 0, nil)
		r.Metrics = &campaign.Metrics{Ops: 1000, OK: 900, AvailDuring: &avail, P50Ms: 1.5, P99Ms: 12.25, Throughput: 310, FaultSeconds: 12,
			Anomalies: an, Measures: map[string]float64{"converge_ms": 120, "fsync_p99_ms": 7, "replication_lag_p99_under_partition_ms": 930}}
		s.Results = append(s.Results, r)
	}
	s.Finish(time.Unix(100, 0))
	return s
}

// The comparison table stays readable however many columns it has: it
// scrolls in its own container, its heads are short with their full names
// as titles, and the anomaly kinds no cell counted are hidden behind
// "show all columns" (pure HTML and CSS: the page runs no script).
func TestCampaignTableReadable(t *testing.T) {
	dir := t.TempDir()
	if err := WriteCampaign(dir, wideSummary()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Contains(page, "<script") {
		t.Error("the campaign page has a script")
	}
	scroll := strings.Index(page, `<div class="scroll cells" id="cells-scroll"><table id="cells">`)
	toggle := strings.Index(page, `<details class="allcols"><summary>show all columns</summary>`)
	if scroll < 0 || toggle < 0 || toggle > scroll {
		t.Fatalf("scroll container at %d, toggle at %d: want both, the toggle first (its CSS reaches the table as a later sibling)", scroll, toggle)
	}
	for _, rule := range []string{".cells .zero{display:none}", "details.allcols[open] ~ .cells .zero{display:table-cell}", "#cells .id{position:sticky;left:0"} {
		if !strings.Contains(page, rule) {
			t.Errorf("the page's CSS lacks %s", rule)
		}
	}
	table := page[scroll:]
	table = table[:strings.Index(table, "</table>")]
	heads := regexp.MustCompile(`<th class="num rot( zero)?" title="([^"]*)"><span>([^<]*)</span></th>`).FindAllStringSubmatch(table, -1)
	// 12 kinds, 6 fixed columns, 3 measures.
	if len(heads) != 12+6+3 {
		t.Fatalf("%d metric heads, want 21", len(heads))
	}
	zero := map[string]bool{}
	for _, h := range heads {
		title, text := h[2], h[3]
		if title == "" || len([]rune(text)) > maxHead {
			t.Errorf("head %q (title %q): want a short head with a title", text, title)
		}
		if h[1] != "" {
			zero[text] = true
		}
	}
	for _, h := range []string{"non-lin keys", "stale reads", "lost msgs", "false empties", "repeat deqs", "phantom reads u…"} {
		if !zero[h] {
			t.Errorf("%q, counted 0 in every cell, is not hidden (hidden: %v)", h, zero)
		}
	}
	for _, h := range []string{"fifo order", "torn pages", "p99 ms", "converge ms"} {
		if zero[h] {
			t.Errorf("%q is hidden, but some cell counted it or it is not an anomaly kind", h)
		}
	}
	if len(zero) != 10 {
		t.Errorf("%d columns hidden, want the 10 kinds no cell counted: %v", len(zero), zero)
	}
	if !strings.Contains(table, `title="phantom reads under snapshot isolation (phantom-reads-under-snapshot-isolation), counted by the run&#39;s checkers"`) {
		t.Error("a cut head does not carry its full name in its title")
	}
	// Every row has its cells in the same columns, hidden ones too.
	rows := strings.Split(table[strings.Index(table, "<tbody>"):], "<tr")[1:]
	if len(rows) != 12 {
		t.Fatalf("%d rows, want 12", len(rows))
	}
	for _, r := range rows {
		if n := strings.Count(r, `<td class="num zero">`); n != 10 {
			t.Fatalf("a row has %d hidden cells, want 10: %s", n, r)
		}
	}
	if !strings.Contains(page, "Hidden, counted 0 in every cell: non-linearizable keys, stale reads,") {
		t.Error("the page does not say which kinds it hides")
	}
}
