package web

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, installed by scripts/setup.sh.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser drives a real headless chromium against a served store: the
// listing renders, a filter and a search work, a row shows its headline
// and anomaly time, a run's report opens and its plot image loads, its
// files list, and the browser loads nothing but the loopback test server.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped under -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("web: %s is missing (%v): run make setup, which installs chromium", chromiumPath, err)
	}
	srv := newTestServer(t, makeStore(t))

	opts := []chromedp.ExecAllocatorOption{
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
		// Belt and braces: no name resolves, and anything not on loopback
		// goes to a proxy that does not exist.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.Flag("proxy-server", "127.0.0.1:9"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	var (
		mu   sync.Mutex
		urls []string
	)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			urls = append(urls, e.Request.URL)
			mu.Unlock()
		}
	}))
	defer cancel()
	// The first Do starts the browser; its context must not time out.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("web: start %s: %v", chromiumPath, err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	poll := func(what, js string) {
		t.Helper()
		// A poll that starts while the page navigates loses its JavaScript
		// context; poll again until the deadline.
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(5*time.Second)))
			if err == nil {
				return
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				t.Fatalf("%s: waiting for %s: %v", what, js, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("runs")),
	); err != nil {
		t.Fatalf("listing: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#runs tr.run').length`))
	if err != nil || rows != 3 {
		t.Fatalf("listing shows %d runs (err %v), want 3", rows, err)
	}
	// Filter by verdict, as a user does: pick it in the select and submit.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-verdict"), "invalid"),
	); err != nil {
		t.Fatalf("filter by verdict: %v", err)
	}
	// As a user's pick does: the change event (SetValue may have sent it
	// already), whose handler is the listing's script file: no inline
	// script runs under serve's policy, so the filter below applies only
	// if that file's handler ran.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('f-verdict'); if (s && !location.search.includes('verdict=')) s.dispatchEvent(new Event('change')); return true })()`)); err != nil {
		t.Fatalf("pick a verdict: %v", err)
	}
	poll("filter by verdict", `location.search.includes('verdict=invalid') && document.querySelectorAll('#runs tr.run').length === 1`)
	verdict, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#runs tr.run').dataset.verdict`))
	if err != nil || verdict != "invalid" {
		t.Fatalf("filtered row verdict %q, err %v", verdict, err)
	}
	// The row has the report's headline and the anomaly's time.
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const r = document.querySelector('#runs tr.run'); return r.querySelector('.headline').textContent + '|' + r.querySelector('td.anomaly').textContent + '|' + r.querySelector('td.duration').textContent })()`))
	if err != nil || !strings.Contains(cells, "is not linearizable") || strings.Contains(cells, "||") || strings.HasSuffix(cells, "|") {
		t.Errorf("invalid row's headline|anomaly|duration %q (err %v)", cells, err)
	}
	// Open the run's report and check that its plot image loaded.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#runs tr.run a.report")),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	); err != nil {
		t.Fatalf("open run page: %v", err)
	}
	verdict, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("verdict")))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(strings.TrimSpace(verdict), "invalid") || !strings.Contains(title, "register-naive-register") {
		t.Errorf("run page verdict %q title %q", verdict, title)
	}
	poll("plot image", `(() => { const i = document.querySelector('.plot img'); return !!i && i.complete && i.naturalWidth > 500 })()`)

	// The timeline's own inline script runs under serve's policy (allowed
	// by its hash) and draws the history.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/store/register-naive-register/20260101T100000.000/timeline.html")); err != nil {
		t.Fatalf("open timeline: %v", err)
	}
	poll("timeline drawn", `document.querySelectorAll('#canvas svg *').length > 10`)

	// Search by test name with the form's own button (no script needed),
	// then open a run's file listing and a file from it.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("f-q")),
		chromedp.SetValue(chromedp.ID("f-q"), "paxos"),
		chromedp.Click(chromedp.CSS(`#filters button[type=submit]`)),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	poll("search by name", `location.search.includes('q=paxos') && document.querySelectorAll('#runs tr.run').length === 2`)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#runs tr.run a.files")),
		chromedp.WaitVisible(chromedp.ID("files")),
	); err != nil {
		t.Fatalf("open a run's files: %v", err)
	}
	poll("file listing", `[...document.querySelectorAll('#files a')].some(a => a.textContent === 'results.json') && !document.querySelector('meta[http-equiv=refresh]')`)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#files a[href$="/nodes/"]`)),
	); err != nil {
		t.Fatalf("open nodes/: %v", err)
	}
	poll("subdirectory listing", `location.pathname.endsWith('/nodes/') && [...document.querySelectorAll('#files a')].some(a => a.textContent === 'n1/')`)

	mu.Lock()
	defer mu.Unlock()
	if len(urls) < 3 {
		t.Fatalf("saw only %d requests: %v", len(urls), urls)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			t.Errorf("the browser loaded %s, which is not the loopback test server", u)
		}
	}
}
