package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/reports"
)

// TestBrowserLayout loads pages in a real headless chromium, from the
// loopback test server: a campaign page with a table of many columns does
// not overflow the page at 800 or 1280 px (only the table's own container
// scrolls) and its "show all columns" toggle works with no script; and a
// queue run's timeline, drawn as a window around a violation deep in the
// history, opens scrolled to it. It skips when chromium is absent.
func TestBrowserLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped under -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("web: %s is missing (%v): no browser to test with", chromiumPath, err)
	}
	store := t.TempDir()
	cdir := filepath.Join(store, "campaigns", "wide", "20260101T000000.000")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteCampaign(cdir, wideCampaign()); err != nil {
		t.Fatal(err)
	}
	queueRun(t, filepath.Join(store, "queue-naive-queue", "20260101T000000.000"))
	srv := newTestServer(t, store)

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		// Nothing resolves, and anything not on loopback goes to a proxy
		// that does not exist.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.Flag("proxy-server", "127.0.0.1:9"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser: no timeout
		t.Fatalf("web: start %s: %v", chromiumPath, err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	campaignPage := srv.URL + "/store/campaigns/wide/20260101T000000.000/index.html"
	for _, width := range []int64{800, 1280} {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(campaignPage),
			chromedp.WaitVisible(chromedp.ID("cells")),
		); err != nil {
			t.Fatalf("%d px: open campaign page: %v", width, err)
		}
		page, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.scrollingElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if page > width {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](widestElement))
			t.Errorf("%d px: the page is %d px wide: it overflows (widest: %s)", width, page, wide)
		}
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]int64](`(() => { const s = document.getElementById('cells-scroll'); return [s.scrollWidth, s.clientWidth] })()`))
		if err != nil || len(box) != 2 {
			t.Fatalf("%d px: the table's container: %v %v", width, box, err)
		}
		if width == 800 && box[0] <= box[1] {
			t.Errorf("800 px: the table (%d px) fits its container (%d px): is this the wide fixture?", box[0], box[1])
		}
		// The all-zero columns are hidden until "show all columns" opens.
		shown := `getComputedStyle(document.querySelector('#cells th.zero')).display`
		if d, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown)); err != nil || d != "none" {
			t.Errorf("%d px: an all-zero column is displayed %q (err %v), want hidden", width, d, err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("details.allcols summary"))); err != nil {
			t.Fatal(err)
		}
		if d, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown)); err != nil || d != "table-cell" {
			t.Errorf("%d px: after show all columns, an all-zero column is displayed %q (err %v)", width, d, err)
		}
	}

	// The timeline opens at the violation, past the window's first ops.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/store/queue-naive-queue/20260101T000000.000/timeline.html"),
	); err != nil {
		t.Fatalf("open timeline: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#canvas svg *').length > 10 && document.scrollingElement.scrollLeft > 0`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		at, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.scrollingElement.scrollLeft + ' of ' + document.scrollingElement.scrollWidth`))
		t.Errorf("the timeline did not open scrolled to the violation (scrolled %s): %v", at, err)
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const r = [...document.querySelectorAll('#canvas text')].find(t => t.textContent.startsWith('⚠')).getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth })()`))
	if err != nil || !seen {
		t.Errorf("the anomaly marker is not on screen (err %v)", err)
	}
}

// widestElement names the element reaching furthest right, for a failure.
// Elements inside a scrolling container do not count: they may be wide.
const widestElement = `(() => { let w = null, r = 0; for (const e of document.body.querySelectorAll('*')) { if (e.closest('.scroll') && !e.classList.contains('scroll')) continue; const b = e.getBoundingClientRect().right; if (b > r) { r = b; w = e } } return w ? w.tagName + '.' + w.className + '#' + w.id + ' ' + Math.round(r) : '' })()`

// wideCampaign is a campaign whose runs count every known anomaly kind,
// most of them never, and more measures: a table wider than a screen.
func wideCampaign() *campaign.Summary {
	var cells []campaign.Cell
	for _, mode := range []string{"naive", "primary-backup", "quorum", "paxos"} {
		for _, nem := range [][]string{{"partition"}, {"partition", "kill"}, {"clock", "pause", "partition"}, {"kill"}, {"pause"}, {"clock"}} {
			cells = append(cells, campaign.Cell{ID: "queue-" + mode + "-queue-" + strings.Join(nem, ",") + "-s7-r1", Target: "queue", Mode: mode,
				Workload: "queue", Nemeses: nem, Seed: 7, Repetition: 1, Expect: campaign.ExpectValid})
		}
	}
	s := &campaign.Summary{Name: "wide", Spec: "campaigns/wide.yaml", Cells: cells, Start: time.Unix(0, 0).UTC()}
	avail := 0.75
	for i, c := range cells {
		an := checker.Anomalies{"torn-pages": 0, "phantom-reads-under-snapshot-isolation": 0}
		for _, k := range []checker.Anomaly{checker.AnomalyNonLinearizableKey, checker.AnomalyStaleRead, checker.AnomalyLostWrite,
			checker.AnomalyLostMessage, checker.AnomalyDuplicatedMessage, checker.AnomalyDivergentKey, checker.AnomalyFIFOOrder,
			checker.AnomalyFIFOEmpty, checker.AnomalyFIFOFresh, checker.AnomalyFIFORepeat} {
			an[k] = i % 2 // every kind counted somewhere: nothing hidden but the two above
		}
		verdict := checker.Valid
		if i%2 == 1 {
			verdict = checker.Invalid
		}
		r := campaign.Judge(c, verdict, 0, nil)
		if !r.Met {
			r.Why = fmt.Sprintf("expected valid: %d anomalies of every kind were found, which a run of this mode under these faults should never show", i)
		}
		r.Metrics = &campaign.Metrics{Ops: 1000, OK: 900, AvailDuring: &avail, P50Ms: 1.5, P99Ms: 1212.25, Throughput: 31000, FaultSeconds: 12,
			Anomalies: an, Measures: map[string]float64{"converge_ms": 120, "fsync_p99_ms": 7, "replication_lag_p99_under_partition_ms": 930}}
		s.Results = append(s.Results, r)
	}
	s.Finish(time.Unix(100, 0))
	return s
}

// queueRun writes a queue run into dir with its report: about 2,000 ops,
// with a FIFO violation two thirds in.
func queueRun(t *testing.T, dir string) {
	t.Helper()
	var h history.History
	at := int64(0)
	pair := func(p history.Process, f string, arg, res any) {
		for _, typ := range []history.Type{history.Invoke, history.OK} {
			at += 1e6
			v := arg
			if typ == history.OK {
				v = res
			}
			h = append(h, history.Op{Index: int64(len(h)), Time: at, Process: p, Type: typ, F: f, Value: history.Raw(v)})
		}
	}
	for i := range 500 {
		pair(0, "enqueue", i, i)
		pair(1, "dequeue", nil, i)
		if i == 350 { // 1001 overtakes 1000, enqueued before it
			pair(0, "enqueue", 1000, 1000)
			pair(0, "enqueue", 1001, 1001)
			pair(1, "dequeue", nil, 1001)
			pair(1, "dequeue", nil, 1000)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `{"name":"queue-naive-queue","target":"queue","mode":"naive","workload":"queue","seed":7,"model":"queue"}`
	write(t, filepath.Join(dir, "test.json"), []byte(cfg))
	res := checker.Run(context.Background(), h, checker.FIFO{})
	if res.Verdict != checker.Invalid {
		t.Fatalf("fixture: verdict %s", res.Verdict)
	}
	if err := reports.WriteWith(context.Background(), dir, h, res, reports.Options{Model: "queue", Budget: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
}
