package web

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

var rowPath = regexp.MustCompile(`<tr class="run [a-z]+" data-verdict="[a-z]+" data-path="([^"]+)"`)

// rows are the run paths a listing page shows, in order.
func rows(body string) []string {
	var out []string
	for _, m := range rowPath.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// 250 runs list 100 to a page, newest first, on three pages that together
// hold each run once; the filters and the search keep to their pages.
func TestIndexPagesAndFilters(t *testing.T) {
	store := t.TempDir()
	for i := range 250 {
		name, v := "reg-a", checker.Valid
		if i%2 == 1 {
			name = "Queue-B"
		}
		if i%5 == 0 {
			v = checker.Invalid
		}
		writeSynth(t, store, synthRun{Name: name, Stamp: stamp(i), Verdict: v, ClientOps: 10, End: 1e9})
	}
	h := newHandler(t, store)
	page := func(q string) []string {
		t.Helper()
		rec := serve(t, h, "/"+q)
		if rec.Code != 200 {
			t.Fatalf("GET /%s: %d", q, rec.Code)
		}
		return rows(rec.Body.String())
	}
	seen := map[string]bool{}
	var all []string
	for p, want := range map[int]int{1: 100, 2: 100, 3: 50} {
		got := page(fmt.Sprintf("?page=%d", p))
		if len(got) != want {
			t.Errorf("page %d: %d runs, want %d", p, len(got), want)
		}
		for _, r := range got {
			if seen[r] {
				t.Errorf("%s on two pages", r)
			}
			seen[r] = true
		}
	}
	if len(seen) != 250 {
		t.Errorf("the pages hold %d runs, want 250", len(seen))
	}
	for p := 1; p <= 3; p++ {
		all = append(all, page(fmt.Sprintf("?page=%d", p))...)
	}
	for i := 1; i < len(all); i++ {
		if filepath.Base(all[i-1]) <= filepath.Base(all[i]) {
			t.Fatalf("not newest first at %d: %s then %s", i, all[i-1], all[i])
		}
	}
	if all[0] != "reg-a/"+stamp(248) && all[0] != "Queue-B/"+stamp(249) {
		t.Errorf("first run %s, want the newest", all[0])
	}
	// No page, a page past the end and one that is not a number.
	if got := page(""); strings.Join(got, ",") != strings.Join(all[:100], ",") {
		t.Error("no page is not page 1")
	}
	if got := page("?page=99"); len(got) != 50 || got[0] != all[200] {
		t.Errorf("page past the end: %d runs", len(got))
	}
	if got := page("?page=-3&page=x"); len(got) != 100 || got[0] != all[0] {
		t.Errorf("bad page: %d runs", len(got))
	}
	// The links to other pages keep the filters.
	if body := serve(t, h, "/?verdict=valid").Body.String(); !strings.Contains(body, `href="/?page=2&amp;verdict=valid"`) {
		t.Errorf("page 1's links do not keep the filter:\n%s", body)
	}
	rec := serve(t, h, "/?verdict=valid&page=2")
	body := rec.Body.String()
	if !strings.Contains(body, `rel="prev" href="/?verdict=valid"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("page 2's links:\n%s", body)
	}
	if got := rows(body); len(got) != 100 {
		t.Errorf("valid, page 2: %d runs, want 100 (of 200)", len(got))
	}
	for q, want := range map[string]int{
		"?verdict=invalid":           50,
		"?q=queue":                   100, // case-insensitive; page 1 of 125
		"?q=queue&page=2":            25,
		"?q=QUEUE-b&verdict=invalid": 25,
		"?q=reg-a&verdict=valid":     100,
		"?q=nope":                    0,
		"?q=%3Cscript%3E":            0,
	} {
		got := page(q)
		if len(got) != want {
			t.Errorf("%s: %d runs, want %d", q, len(got), want)
		}
		for _, r := range got {
			if strings.Contains(q, "queue") && !strings.HasPrefix(r, "Queue-B/") {
				t.Errorf("%s lists %s", q, r)
			}
		}
	}
	// The search box shows the search, escaped.
	rec = serve(t, h, "/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
	if strings.Contains(rec.Body.String(), "<script>alert") {
		t.Error("the search is written unescaped")
	}
}

// Each run's row shows the report's headline, how long it ran, its ops/s
// and when its anomaly happened; the JSON has the same figures.
func TestIndexHeadlineDurationRate(t *testing.T) {
	store := makeStore(t) // three runs with real reports, one invalid
	writeSynth(t, store, synthRun{Name: "synth", Stamp: stamp(0), Verdict: checker.Invalid, ClientOps: 600, End: 60e9})
	writeSynth(t, store, synthRun{Name: "synth", Stamp: stamp(1), Verdict: checker.Valid, ClientOps: 12345, End: 4000e9})
	h := newHandler(t, store)
	body := serve(t, h, "/").Body.String()
	row := func(p string) string {
		t.Helper()
		i := strings.Index(body, `data-path="`+p+`"`)
		if i < 0 {
			t.Fatalf("no row for %s:\n%s", p, body)
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	inv := row("synth/" + stamp(0))
	wantAt := fmt.Sprintf("%.3fs", float64(culpritDone(60e9, 600))/1e9)
	for _, want := range []string{
		`linearizable: key &#34;k&#34; is not linearizable: read(&#34;k&#34;) -&gt; 5 cannot be linearized.`,
		`<td class="num duration">1m00s</td>`, `>10.0</td>`, `title="600 client ops"`,
		`<td class="num anomaly">` + wantAt + `</td>`,
	} {
		if !strings.Contains(inv, want) {
			t.Errorf("invalid run's row lacks %q:\n%s", want, inv)
		}
	}
	val := row("synth/" + stamp(1))
	for _, want := range []string{"Every checker passed", `<td class="num duration">1h06m</td>`, `>3.1</td>`, `<td class="num anomaly"></td>`} {
		if !strings.Contains(val, want) {
			t.Errorf("valid run's row lacks %q:\n%s", want, val)
		}
	}
	// The real run: its headline is the report's own.
	real := row("register-naive-register/20260101T100000.000")
	report, err := os.ReadFile(filepath.Join(store, "register-naive-register/20260101T100000.000", rundir.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	hl := regexp.MustCompile(`<div class="headline">([^<]*)</div>`).FindSubmatch(report)
	if hl == nil || !strings.Contains(real, string(hl[1])) {
		t.Errorf("headline differs from the report's %q:\n%s", hl, real)
	}
	if !strings.Contains(real, `<td class="num anomaly">6.001s</td>`) {
		t.Errorf("real invalid run's anomaly time:\n%s", real)
	}

	rec := serve(t, h, "/api/runs?q=synth")
	var es []Entry
	if err := json.Unmarshal(rec.Body.Bytes(), &es); err != nil || len(es) != 2 {
		t.Fatalf("api: %v %d", err, len(es))
	}
	e := es[1]
	if e.Duration != 60 || e.ClientOps != 600 || e.OpsPerSec != 10 || e.AnomalyAt == nil ||
		math.Abs(*e.AnomalyAt-float64(culpritDone(60e9, 600))/1e9) > 1e-9 || !strings.Contains(e.Headline, "not linearizable") {
		t.Errorf("api entry %+v", e)
	}
}

// A results.json too large to read gives its verdict from its head and a
// note; FIFOs in place of a run's files hang nothing.
func TestIndexBoundsWhatItReads(t *testing.T) {
	store := t.TempDir()
	big := writeSynth(t, store, synthRun{Name: "big", Stamp: stamp(0), ClientOps: 10, End: 1e9})
	pad := strings.Repeat("x", maxResults)
	write(t, filepath.Join(big, rundir.ResultsFile), []byte(`{"verdict": "invalid", "checkers": {"c": {"verdict": "invalid", "summary": "`+pad+`"}}}`))
	fifo := writeSynth(t, store, synthRun{Name: "fifo", Stamp: stamp(1), ClientOps: 10, End: 1e9})
	for _, f := range []string{rundir.ResultsFile, rundir.HistoryFile, rundir.ControllerFile, rundir.IndexFile} {
		os.Remove(filepath.Join(fifo, f))
		if err := syscall.Mkfifo(filepath.Join(fifo, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fifoCfg := filepath.Join(store, "fifocfg", stamp(2))
	if err := os.MkdirAll(fifoCfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(fifoCfg, rundir.ConfigFile), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, store)
	rec := serve(t, h, "/api/runs")
	var es []Entry
	if err := json.Unmarshal(rec.Body.Bytes(), &es); err != nil {
		t.Fatal(err)
	}
	byName := map[string]Entry{}
	for _, e := range es {
		byName[e.Name] = e
	}
	if len(es) != 2 {
		t.Errorf("%d entries, want big and fifo (a FIFO test.json is no run): %+v", len(es), es)
	}
	if e := byName["big"]; e.Verdict != "invalid" || !strings.Contains(e.Note, "over the 8.0 MiB") || strings.Contains(e.Headline, "xxx") {
		t.Errorf("big results: %+v", e)
	}
	if e := byName["fifo"]; e.Verdict != "interrupted" || e.Report != "" {
		t.Errorf("fifo run: %+v", e)
	}
	for _, p := range []string{"/", "/files/fifo/" + stamp(1) + "/", "/store/fifo/" + stamp(1) + "/"} {
		if rec := serve(t, h, p); rec.Code != 200 {
			t.Errorf("GET %s: %d", p, rec.Code)
		}
	}
}

// The cache of finished runs follows the store: a re-check's new verdict,
// a deleted run, a new one.
func TestIndexFollowsChanges(t *testing.T) {
	store := t.TempDir()
	a := writeSynth(t, store, synthRun{Name: "a", Stamp: stamp(0), Verdict: checker.Valid, ClientOps: 10, End: 1e9})
	b := writeSynth(t, store, synthRun{Name: "b", Stamp: stamp(1), Verdict: checker.Valid, ClientOps: 10, End: 1e9})
	h := newHandler(t, store)
	verdicts := func() map[string]string {
		t.Helper()
		var es []Entry
		if err := json.Unmarshal(serve(t, h, "/api/runs").Body.Bytes(), &es); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, e := range es {
			m[e.Name] = e.Verdict + " " + e.Headline
		}
		return m
	}
	if v := verdicts(); !strings.HasPrefix(v["a"], "valid") || !strings.HasPrefix(v["b"], "valid") {
		t.Fatalf("%v", v)
	}
	res := checker.Results{Verdict: checker.Unknown, Checkers: map[string]checker.Result{"linearizable": {Verdict: checker.Unknown, Summary: "timed out"}}}
	if err := rundir.WriteResults(a, res); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(b); err != nil {
		t.Fatal(err)
	}
	writeSynth(t, store, synthRun{Name: "c", Stamp: stamp(2), Verdict: checker.Invalid, ClientOps: 10, End: 1e9})
	v := verdicts()
	if v["a"] != "unknown linearizable: timed out" || v["b"] != "" || !strings.HasPrefix(v["c"], "invalid") || len(v) != 2 {
		t.Errorf("after changes: %v", v)
	}
	if n := len(h.cache.m); n != 2 {
		t.Errorf("cache holds %d runs, want 2", n)
	}
}
