package reports

import (
	"bytes"
	"context"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

func TestWriteInvalidRun(t *testing.T) {
	dir, res := writeRunDir(t, t.TempDir(), "register-naive-register", "20260101T000000.000", badRun(), []string{"partition", "kill"})
	if res.Verdict != checker.Invalid {
		t.Fatalf("fixture: verdict %s, want invalid (%+v)", res.Verdict, res)
	}
	summary := filepath.Join(t.TempDir(), "summary.md")
	err := WriteWith(context.Background(), dir, badRun(), res, Options{Model: "cas-register", Budget: 10 * time.Second, StepSummary: summary})
	if err != nil {
		t.Fatal(err)
	}
	// The timeline says which run it is and which keys it draws, failing
	// first, and links back to the report.
	tl, err := os.ReadFile(filepath.Join(dir, rundir.TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="index.html">← run report</a>`, "register-naive-register/20260101T000000.000", "verdict <b>invalid</b>", `Failing keys (every one, the report's first): &#34;k1&#34;. Passing keys sampled: &#34;k2&#34;`} {
		if !strings.Contains(string(tl), want) {
			t.Errorf("timeline.html lacks %q", want)
		}
	}
	// Plots: every one as a decodable PNG and an SVG document.
	for _, name := range []string{rundir.PlotLatencyRaw, rundir.PlotLatencyQuantiles, rundir.PlotRate} {
		b, err := os.ReadFile(filepath.Join(dir, "plots", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s.png: %v", name, err)
		}
		if img.Bounds().Dx() < 500 {
			t.Errorf("%s.png is %d px wide", name, img.Bounds().Dx())
		}
		sb, err := os.ReadFile(filepath.Join(dir, "plots", name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(sb, &root); err != nil || root.XMLName.Local != "svg" {
			t.Fatalf("%s.svg: root %q, err %v", name, root.XMLName.Local, err)
		}
	}
	if exists(filepath.Join(dir, "plots", rundir.PlotClock+".png")) {
		t.Error("clock plot drawn for a run without the clock nemesis")
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`<div class="verdict" id="verdict">invalid</div>`,
		`Key &#34;k1&#34; is not linearizable`, // the explanation in words
		`cannot be linearized`,                 // the culprit marked in the ops table
		`href="timeline-k1.html"`,              // the failing key's own timeline
		`href="timeline.html"`,                 // all keys
		`href="history.jsonl"`, `href="junit.xml"`,
		`href="nodes/n1/faultline-node.log"`,
		`src="plots/latency-raw.png"`, `src="plots/rate.png"`, `src="plots/latency-quantiles.png"`,
		`<th>mode</th><td class="mono">naive</td>`, `partition, kill`, `n1 (198.18.0.11)`,
		`partition majorities-ring`, `kill one n3`,
		`anomaly 5.003s`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	// The fixture has no log: links go only to files that exist.
	if strings.Contains(page, `href="faultline.log"`) {
		t.Error("index.html links to a faultline.log that does not exist")
	}
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).FindString(page); m != "" || strings.Contains(page, "http") {
		t.Errorf("index.html references something external: %q", m)
	}
	if !exists(filepath.Join(dir, "timeline-k1.html")) || !exists(filepath.Join(dir, "timeline.html")) {
		t.Error("timelines missing")
	}
	// JUnit: one testcase per checker, a failure for the invalid one.
	var ju JUnitSuites
	jb, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(jb, &ju); err != nil {
		t.Fatal(err)
	}
	if len(ju.Suites) != 1 || len(ju.Suites[0].Cases) != len(res.Checkers) {
		t.Fatalf("junit: %+v", ju)
	}
	c := ju.Suites[0].Cases[0]
	if c.Name != "linearizable" || c.Failure == nil || !strings.Contains(c.Failure.Message, `key "k1"`) || ju.Failures != 1 {
		t.Errorf("junit testcase %+v", c)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "**invalid**") || !strings.Contains(string(md), "| linearizable |") {
		t.Errorf("step summary:\n%s", md)
	}
}

func TestWriteValidRunAndJUnitUnknown(t *testing.T) {
	var b builder
	for i := range 20 {
		b.add(int64(i)*sec/2, 0, history.Invoke, "write", "k1", i, "")
		b.add(int64(i)*sec/2+1e6, 0, history.OK, "write", "k1", i, "")
	}
	b.nem(3*sec, history.Invoke, "bump-clock", nil)
	b.nem(3*sec+1e6, history.OK, "bump-clock", map[string]any{"offsets_ns": map[string]int64{"n1": 2e8, "n2": -1e8}})
	b.nem(6*sec, history.Invoke, "reset-clock", nil)
	b.nem(6*sec+1e6, history.OK, "reset-clock", map[string]any{"offsets_ns": map[string]int64{"n1": 0, "n2": 0}})
	dir, res := writeRunDir(t, t.TempDir(), "t", "20260101T000000.000", b.h, nil)
	if res.Verdict != checker.Valid {
		t.Fatalf("fixture verdict %s", res.Verdict)
	}
	if err := WriteWith(context.Background(), dir, b.h, res, Options{Model: "cas-register", Budget: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, "plots", "clock.png")) || !exists(filepath.Join(dir, "plots", "clock.svg")) {
		t.Error("no clock plot for a run with clock measurements")
	}
	page, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !strings.Contains(string(page), `id="verdict">valid<`) || !strings.Contains(string(page), `src="plots/clock.png"`) {
		t.Error("valid index.html lacks its verdict or the clock plot")
	}
	// An unknown checker is a JUnit error, not a pass or a skip.
	res.Checkers["extra"] = checker.Result{Verdict: checker.Unknown, Summary: "timed out"}
	ju := JUnit(dir, b.h, res)
	if ju.Tests != 2 || ju.Errors != 1 || ju.Failures != 0 {
		t.Fatalf("junit counts %+v", ju)
	}
	if c := ju.Suites[0].Cases[0]; c.Name != "extra" || c.Error == nil || c.Error.Message != "timed out" {
		t.Errorf("unknown testcase %+v", c)
	}
}

// The report leads with what decided the verdict: failing checkers first,
// undecided next (with the command that decides them), informational
// counts last under a neutral badge, never a green VALID.
func TestExplainOrderAndBadges(t *testing.T) {
	res := checker.Results{Verdict: checker.Invalid, Checkers: map[string]checker.Result{
		"faults":       {Verdict: checker.Valid},
		"stale-reads":  {Verdict: checker.Valid, Summary: "159 of 5099 reads were stale", Informational: true},
		"convergence":  {Verdict: checker.Unknown, Summary: "no final reads"},
		"linearizable": {Verdict: checker.Invalid, Summary: "key k not linearizable"},
	}}
	es := explain(badRun(), res, nil, nil, "store/x/1")
	var order, badges []string
	for _, e := range es {
		order = append(order, e.Checker)
		badges = append(badges, e.Badge)
	}
	if strings.Join(order, ",") != "linearizable,convergence,faults,stale-reads" || badges[3] != "info" || badges[2] != "valid" {
		t.Fatalf("order %v badges %v", order, badges)
	}
	if w := strings.Join(es[1].Words, " "); !strings.Contains(w, "faultline analyze --check-timeout 10m store/x/1") {
		t.Errorf("unknown checker's words do not say how to decide it: %q", w)
	}
}

// The final phase is marked: the ops after the final heal are not under
// faults.
func TestFinalPhaseMarked(t *testing.T) {
	var b builder
	b.nem(1*sec, history.Invoke, "start-partition", "majority")
	b.nem(2*sec, history.OK, "start-partition", nil)
	b.nem(5*sec, history.Invoke, "heal", nil)
	b.nem(6*sec, history.OK, "heal", nil)
	b.add(7*sec, 0, history.Invoke, "final-read", "k", nil, "")
	b.add(7*sec+1e6, 0, history.OK, "final-read", "k", 1, "")
	if got := finalPhase(b.h); got != "6.000s" {
		t.Errorf("final phase at %q, want 6.000s", got)
	}
	if got := finalPhase(b.h[:4]); got != "" {
		t.Errorf("no op after the heal: final phase %q, want none", got)
	}
}
