package web

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// serve answers one request straight from the handler, failing the test
// if it hangs (a FIFO opened would).
func serve(t *testing.T, h http.Handler, p string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, p, nil)
	req.Host = "localhost"
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("GET %s hangs", p)
	}
	return rec
}

func newHandler(t *testing.T, store string) *Server {
	t.Helper()
	h, err := New(store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// A finished run's files are listed with their sizes and times, every
// name escaped and linked so that it opens; subdirectories list too;
// symlinks and special files are listed but neither linked nor followed.
func TestFilesListing(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.txt"), []byte("TOP SECRET"))
	store := t.TempDir()
	dir := writeSynth(t, store, synthRun{Name: "t", Stamp: stamp(0), Verdict: checker.Valid, ClientOps: 10, End: 1e9})
	hostile := []string{"<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "a?b#c&d.txt", "50% done", "javascript:alert(1)"}
	for _, n := range hostile {
		name := strings.ReplaceAll(n, "/", "∕") // a name holds no slash
		write(t, filepath.Join(dir, name), []byte("hostile:"+name))
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs", "n1"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "logs", "n1", "node.log"), []byte("123456789"))
	if err := os.Symlink(outside, filepath.Join(dir, "out-dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rundir.ConfigFile, filepath.Join(dir, "in-link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("t/"+stamp(0), filepath.Join(store, "latest")); err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, store)
	base := "/files/t/" + stamp(0) + "/"
	rec := serve(t, h, base)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", base, rec.Code, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, `href="javascript:`) {
		t.Errorf("listing writes a file name unescaped:\n%s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;∕script&gt;") {
		t.Errorf("listing lacks the escaped <script> name:\n%s", body)
	}
	for _, want := range []string{`href="./logs/"`, rundir.ResultsFile, rundir.HistoryFile, "in-link", "out-dir", "fifo"} {
		if !strings.Contains(body, want) {
			t.Errorf("listing lacks %q", want)
		}
	}
	// Symlinks and the FIFO are named, not linked.
	for _, n := range []string{"in-link", "out-dir", "fifo"} {
		if strings.Contains(body, n+`"`) || strings.Contains(body, n+`/"`) {
			t.Errorf("listing links %s:\n%s", n, body)
		}
	}
	// Every hostile name's link opens that file.
	for _, n := range hostile {
		name := strings.ReplaceAll(n, "/", "∕")
		href := storeHref("/store/", "t/"+stamp(0)+"/"+name)
		if !strings.Contains(body, `href="`+strings.ReplaceAll(href, "&", "&amp;")+`"`) {
			t.Errorf("listing lacks the link %s for %q", href, name)
			continue
		}
		if rec := serve(t, h, href); rec.Code != 200 || rec.Body.String() != "hostile:"+name {
			t.Errorf("GET %s: %d %q", href, rec.Code, rec.Body.String())
		}
	}
	// A subdirectory lists, with the size of its file.
	rec = serve(t, h, base+"logs/n1/")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "node.log") || !strings.Contains(rec.Body.String(), "9 B") {
		t.Errorf("logs/n1/: %d\n%s", rec.Code, rec.Body.String())
	}
	// A run's directory with a report still lists under /files/.
	if !strings.Contains(body, `class="report"`) {
		t.Errorf("the run's listing does not link its report:\n%s", body)
	}
	// A file under /files/ goes to /store/; a directory without its slash
	// gets it.
	if rec := serve(t, h, base+"logs/n1/node.log"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/store/t/"+stamp(0)+"/logs/n1/node.log" {
		t.Errorf("file under /files/: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := serve(t, h, strings.TrimSuffix(base, "/")); rec.Code != http.StatusFound {
		t.Errorf("directory without slash: %d", rec.Code)
	}
	// The FIFO is neither opened nor served.
	if rec := serve(t, h, "/store/t/"+stamp(0)+"/fifo"); rec.Code != http.StatusNotFound {
		t.Errorf("fifo: %d", rec.Code)
	}
}

// /files/ never leaves the store and never goes through a symlink, even
// one that stays inside; /store/ keeps serving symlinks inside (latest).
func TestFilesRefusesEscapesAndSymlinks(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.txt"), []byte("TOP SECRET"))
	store := t.TempDir()
	writeSynth(t, store, synthRun{Name: "t", Stamp: stamp(0), Verdict: checker.Valid, ClientOps: 10, End: 1e9})
	run := "t/" + stamp(0)
	if err := os.Symlink(outside, filepath.Join(store, run, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(run, filepath.Join(store, "latest")); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, store)
	ob := filepath.Base(outside)
	rel, _ := filepath.Rel(store, outside)
	for _, p := range []string{
		"/files/../" + ob + "/",
		"/files/" + rel + "/",
		"/files/%2e%2e/" + ob + "/",
		"/files/%2E%2E%2F" + ob + "%2F",
		"/files/t/..%2f..%2f" + ob + "/",
		"/files/t/../../" + ob + "/",
		"/files/" + outside + "/",
		"/files//" + strings.TrimPrefix(outside, "/") + "/",
		"/files/" + run + "/out/",
		"/files/" + run + "/out/secret.txt",
		"/files/latest/",
		"/files/latest/results.json",
		"/files/..",
		"/files/./t/",
		"/files/t//" + stamp(0) + "/",
		"/files/t/%00/",
	} {
		code, body := rawGet(t, srv, p)
		if code != http.StatusNotFound && code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
		if strings.Contains(body, "TOP SECRET") || strings.Contains(body, "secret.txt") {
			t.Errorf("GET %s shows what is outside the store:\n%s", p, body)
		}
	}
	if code, body := rawGet(t, srv, "/store/latest/results.json"); code != 200 || !strings.Contains(body, `"verdict"`) {
		t.Errorf("/store/latest/results.json: %d", code)
	}
	if code, body := rawGet(t, srv, "/files/"); code != 200 || !strings.Contains(body, `href="./t/"`) || strings.Contains(body, `href="./latest/"`) {
		t.Errorf("/files/: %d\n%s", code, body)
	}
}

// The listing of a running run reloads itself; once the run is finished,
// or interrupted, it does not.
func TestRefreshOnlyWhileRunning(t *testing.T) {
	store := t.TempDir()
	dir := writeSynth(t, store, synthRun{Name: "t", Stamp: stamp(0), ClientOps: 20, End: 30e9})
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, store)
	refreshes := func(p string) bool {
		t.Helper()
		rec := serve(t, h, p)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d", p, rec.Code)
		}
		return strings.Contains(rec.Body.String(), `http-equiv="refresh"`)
	}
	pages := []string{"/files/t/" + stamp(0) + "/", "/files/t/" + stamp(0) + "/logs/", "/store/t/" + stamp(0) + "/"}
	for _, p := range pages {
		if refreshes(p) {
			t.Errorf("interrupted run (no controller): %s refreshes", p)
		}
	}
	if err := rundir.WriteController(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if !refreshes(p) {
			t.Errorf("running run: %s does not refresh", p)
		}
	}
	// The store's listing shows it running, with its duration so far, and
	// does not reload itself (a search being typed would be lost).
	rec := serve(t, h, "/")
	body := rec.Body.String()
	if !strings.Contains(body, `data-verdict="running"`) || !strings.Contains(body, `<td class="num duration">30.0s</td>`) || strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("listing of a running run:\n%s", body)
	}
	if err := rundir.WriteResults(dir, checker.Results{Verdict: checker.Valid, Checkers: map[string]checker.Result{}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if refreshes(p) {
			t.Errorf("finished run: %s still refreshes", p)
		}
	}
	if refreshes("/files/") || refreshes("/files/t/") {
		t.Error("a listing outside any run refreshes")
	}
}
