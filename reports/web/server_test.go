package web

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/rundir"
)

func newTestServer(t *testing.T, store string) *httptest.Server {
	t.Helper()
	h, err := New(store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// rawGet sends the path exactly as given, without client-side cleaning.
func rawGet(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufioReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeRefusesEscapes(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.txt"), []byte("TOP SECRET"))
	store := t.TempDir()
	write(t, filepath.Join(store, "inside.txt"), []byte("inside"))
	if err := os.MkdirAll(filepath.Join(store, "t", "20260101T000000.000"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Symlinks inside the store: one escaping (to a dir and to a file),
	// one staying inside.
	if err := os.Symlink(outside, filepath.Join(store, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(store, "t", "20260101T000000.000", "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.txt", filepath.Join(store, "ok-link.txt")); err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, store)
	rel, _ := filepath.Rel(store, outside)
	for _, p := range []string{
		"/store/../" + filepath.Base(outside) + "/secret.txt",
		"/store/" + rel + "/secret.txt",
		"/store/%2e%2e/" + filepath.Base(outside) + "/secret.txt",
		"/store/%2E%2E%2F" + filepath.Base(outside) + "%2Fsecret.txt",
		"/store/t/..%2f..%2f" + filepath.Base(outside) + "/secret.txt",
		"/store/" + outside + "/secret.txt",
		"/store//" + strings.TrimPrefix(outside, "/") + "/secret.txt",
		"/store/escape/secret.txt",
		"/store/escape/",
		"/store/t/20260101T000000.000/leak.txt",
		"/store/..",
		"/../etc/passwd",
		"/store/../../../../etc/passwd",
	} {
		code, body := rawGet(t, srv, p)
		if code != http.StatusNotFound && code != http.StatusForbidden && code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404/403", p, code)
		}
		if strings.Contains(body, "TOP SECRET") || strings.Contains(body, "root:") {
			t.Errorf("GET %s leaked a file outside the store", p)
		}
	}
	for p, want := range map[string]string{"/store/inside.txt": "inside", "/store/ok-link.txt": "inside"} {
		code, body := rawGet(t, srv, p)
		if code != 200 || body != want {
			t.Errorf("GET %s: %d %q, want 200 %q", p, code, body, want)
		}
	}
	if code, _ := rawGet(t, srv, "/store/t/"); code != 200 {
		t.Errorf("directory listing inside the store: %d", code)
	}
}

func TestListAndFilter(t *testing.T) {
	store := makeStore(t)
	// A campaign, as a later campaign command will write it.
	cdir := filepath.Join(store, "campaigns", "nightly", "20260102T000000.000")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(cdir, "campaign.json"), []byte(`{"name":"nightly","verdict":"invalid"}`))
	srv := newTestServer(t, store)

	get := func(q string) []Entry {
		resp, err := http.Get(srv.URL + "/api/runs" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var es []Entry
		if err := json.NewDecoder(resp.Body).Decode(&es); err != nil {
			t.Fatal(err)
		}
		return es
	}
	all := get("")
	if len(all) != 4 {
		t.Fatalf("%d entries, want 3 runs and 1 campaign: %+v", len(all), all)
	}
	if all[0].Kind != "campaign" || all[1].Time != "20260101T120000.000" || all[3].Time != "20260101T100000.000" {
		t.Errorf("not newest first: %+v", all)
	}
	if all[3].Verdict != "invalid" || all[1].Verdict != "valid" || all[3].Report == "" {
		t.Errorf("verdicts/report: %+v", all)
	}
	for q, want := range map[string]int{
		"?verdict=invalid&kind=run": 1, "?mode=paxos": 2, "?nemesis=kill": 1, "?nemesis=none&kind=run": 1,
		"?target=register&workload=register": 3, "?mode=nope": 0,
	} {
		if got := len(get(q)); got != want {
			t.Errorf("filter %s: %d entries, want %d", q, got, want)
		}
	}
	code, body := rawGet(t, srv, "/?verdict=invalid")
	if code != 200 || strings.Count(body, `<tr class="run `) != 1 || !strings.Contains(body, "register-naive-register") {
		t.Errorf("filtered listing: %d\n%s", code, body)
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("listing references an external URL")
	}
}

// A page reached through a name other than loopback's or --listen's (a
// DNS-rebinding attacker's) gets nothing; a FIFO in the store is not
// opened (it would hang serve); an HTML page's own inline scripts are
// allowed by hash and nothing else inline is.
func TestServeHostFIFOAndScriptPolicy(t *testing.T) {
	store := t.TempDir()
	page := "<html><script>var a = 1;</script><p>x</p><script src=\"x.js\"></script></html>"
	write(t, filepath.Join(store, "t.html"), []byte(page))
	if err := syscall.Mkfifo(filepath.Join(store, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := New(store)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.AllowHost("faultline.example")
	get := func(host, p string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Host = host
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { h.ServeHTTP(rec, req); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("GET %s hangs", p)
		}
		return rec
	}
	for _, host := range []string{"attacker.example", "attacker.example:8080", "localhost.attacker.example"} {
		if rec := get(host, "/store/t.html"); rec.Code != http.StatusMisdirectedRequest || strings.Contains(rec.Body.String(), "var a") {
			t.Errorf("Host %s: %d %q", host, rec.Code, rec.Body.String())
		}
	}
	for _, host := range []string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080", "faultline.example:9090", "198.18.0.1"} {
		if rec := get(host, "/store/t.html"); rec.Code != http.StatusOK {
			t.Errorf("Host %s: %d", host, rec.Code)
		}
	}
	if rec := get("localhost", "/store/fifo"); rec.Code != http.StatusNotFound {
		t.Errorf("fifo: %d", rec.Code)
	}
	rec := get("localhost", "/store/t.html")
	sum := sha256.Sum256([]byte("var a = 1;"))
	policy := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(policy, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || strings.Contains(policy, "unsafe-inline'; connect") || strings.Contains(policy, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("policy %q", policy)
	}
	if n := strings.Count(policy, "sha256-"); n != 1 {
		t.Errorf("policy hashes %d scripts, want the one inline block: %q", n, policy)
	}
}

// A run without results is running only while its controller lives.
func TestRunningOnlyWhileTheControllerLives(t *testing.T) {
	store := t.TempDir()
	dir := filepath.Join(store, "t", "20260101T000000.000")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, rundir.ConfigFile), []byte(`{"name":"t"}`))
	verdict := func() string {
		root, err := os.OpenRoot(store)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		es, err := Scan(root)
		if err != nil || len(es) != 1 {
			t.Fatalf("%v %v", es, err)
		}
		return es[0].Verdict
	}
	if v := verdict(); v != "interrupted" {
		t.Errorf("no controller: %s, want interrupted", v)
	}
	if err := rundir.WriteController(dir); err != nil {
		t.Fatal(err)
	}
	if v := verdict(); v != "running" {
		t.Errorf("live controller: %s, want running", v)
	}
}

// Text files and pages go gzip-compressed to a client that accepts it,
// and as they are to one that does not or asks for a range.
func TestServeGzip(t *testing.T) {
	store := t.TempDir()
	body := strings.Repeat(`{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}`+"\n", 500)
	write(t, filepath.Join(store, "h.jsonl"), []byte(body))
	h, err := New(store)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	get := func(hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/store/h.jsonl", nil)
		req.Host = "localhost"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := get(map[string]string{"Accept-Encoding": "br, gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(body)/4 {
		t.Fatalf("gzip: encoding %q, %d bytes of %d", rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(body))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != body {
		t.Fatal("gzip body differs")
	}
	for _, hdr := range []map[string]string{{}, {"Accept-Encoding": "gzip;q=0"}, {"Accept-Encoding": "gzip", "Range": "bytes=0-9"}} {
		rec := get(hdr)
		if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%v: compressed", hdr)
		}
	}
}
