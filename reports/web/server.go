package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/rundir"
)

// Server serves the UI over one store.
type Server struct {
	root *os.Root
	dir  string
	// cache holds the finished runs' entries between requests.
	cache *runCache
	// hosts are the Host header names accepted besides the loopback
	// names: the --listen host (AllowHost). A request naming any other
	// host is refused, so a DNS-rebinding page cannot read the store
	// through the user's browser.
	hosts []string
}

// AllowHost accepts requests whose Host header names host (the address
// serve listens on; loopback names are always accepted).
func (s *Server) AllowHost(host string) {
	if host != "" {
		s.hosts = append(s.hosts, strings.ToLower(strings.Trim(host, "[]")))
	}
}

// hostAllowed reports whether the request's Host header (its name, the
// port aside) is a loopback name, an IP address or an allowed host. DNS
// rebinding needs a name the attacker controls, so IP literals are safe
// (they let a user reach a serve that listens on every interface).
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	switch {
	case host == "localhost", strings.HasSuffix(host, ".localhost"):
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return slices.Contains(s.hosts, host)
}

// New opens the store directory. The store must exist.
func New(store string) (*Server, error) {
	root, err := os.OpenRoot(store)
	if err != nil {
		return nil, fmt.Errorf("web: store %s: %w", store, err)
	}
	return &Server{root: root, dir: store, cache: newRunCache()}, nil
}

// Close releases the store.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP routes: / (the listing, filtered by the query, a page of it),
// /api/runs (the same as JSON, every match), /store/<path> (a file of the
// store, or a directory's report or listing), /files/<path>/ (a
// directory's listing, never through a symlink).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Pages load nothing from anywhere but this server and run no inline
	// script: an HTML file's own <script> blocks (the timeline's) are
	// allowed by their hashes (see file), never an injected handler.
	h.Set("Content-Security-Policy", csp(nil))
	if !s.hostAllowed(r.Host) {
		http.Error(w, "web: unexpected Host header "+strconv.Quote(clip(r.Host))+": serve answers only for loopback names and its --listen address", http.StatusMisdirectedRequest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "web: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == "/":
		s.list(w, r)
	case p == "/api/runs":
		s.api(w, r)
	case p == "/assets/filters.js":
		// A file, not an inline handler: pages run no inline script.
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, filtersJS)
	case strings.HasPrefix(p, "/store/"):
		s.file(w, r, strings.TrimPrefix(p, "/store/"))
	case p == "/store":
		http.Redirect(w, r, "/", http.StatusFound)
	case strings.HasPrefix(p, "/files/"):
		s.files(w, r, strings.TrimPrefix(p, "/files/"))
	case p == "/files":
		http.Redirect(w, r, "/files/", http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{Target: q.Get("target"), Mode: q.Get("mode"), Workload: q.Get("workload"),
		Nemesis: q.Get("nemesis"), Verdict: q.Get("verdict"), Kind: q.Get("kind"),
		Query: clipText(strings.TrimSpace(q.Get("q")), 200)}
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	es, err := scan(s.root, s.cache)
	if err != nil {
		http.Error(w, "web: scan store: "+err.Error(), http.StatusInternalServerError)
		return
	}
	f := filterOf(r)
	out := []Entry{}
	for _, e := range es {
		if f.Match(e) {
			out = append(out, e)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

type selectView struct {
	Name, Label, Value string
	Options            []string
}

type listView struct {
	Store     string
	Campaigns []Entry
	Runs      []Entry
	Total     int
	Matched   int // entries that pass the filter, on every page
	Selects   []selectView
	Query     string
	Filtered  bool
	Counts    map[string]int
	Pager     pager
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	es, err := scan(s.root, s.cache)
	if err != nil {
		http.Error(w, "web: scan store: "+err.Error(), http.StatusInternalServerError)
		return
	}
	f := filterOf(r)
	v := listView{Store: s.dir, Total: len(es), Counts: map[string]int{}, Query: f.Query}
	opts := options(es)
	for _, sel := range []struct{ name, label, value string }{
		{"target", "target", f.Target}, {"mode", "mode", f.Mode}, {"workload", "workload", f.Workload},
		{"nemesis", "nemesis", f.Nemesis}, {"verdict", "verdict", f.Verdict},
	} {
		v.Selects = append(v.Selects, selectView{Name: sel.name, Label: sel.label, Value: sel.value, Options: opts[sel.name]})
	}
	v.Filtered = f != Filter{}
	var match []Entry
	for _, e := range es {
		if f.Match(e) {
			v.Counts[e.Verdict]++
			match = append(match, e)
		}
	}
	v.Matched = len(match)
	v.Pager = paginate(r.URL.Query(), len(match), pageSize)
	for _, e := range match[v.Pager.From:v.Pager.To] {
		if e.Kind == "campaign" {
			v.Campaigns = append(v.Campaigns, e)
		} else {
			v.Runs = append(v.Runs, e)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := listTmpl.Execute(w, v); err != nil {
		fmt.Fprintf(w, "<p>web: %s</p>", template.HTMLEscapeString(err.Error()))
	}
}

// file serves one file or directory of the store through the os.Root,
// which refuses any path that leaves the store, by "..", by an absolute
// path or through a symlink.
func (s *Server) file(w http.ResponseWriter, r *http.Request, rel string) {
	name := strings.TrimSuffix(rel, "/")
	if name == "" {
		name = "."
	}
	if !fs.ValidPath(name) {
		// "..", ".", empty or absolute segments: never part of a store path.
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	// Opened non-blocking and checked on the descriptor: opening a FIFO
	// the usual way would block for good.
	f, st, err := safeFS{s.root}.open(name)
	if err != nil {
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	if st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusFound)
			return
		}
		if st, err := s.root.Stat(path.Join(name, rundir.IndexFile)); err == nil && st.Mode().IsRegular() {
			http.Redirect(w, r, r.URL.Path+rundir.IndexFile, http.StatusFound)
			return
		}
		s.dirList(w, f, name)
		return
	}
	if !st.Mode().IsRegular() {
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".jsonl", ".log", ".txt", ".out", ".err", ".edn", "":
		ct = "text/plain; charset=utf-8"
	case ".json":
		ct = "application/json"
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if path.Ext(name) == ".html" && st.Size() <= maxHashedPage {
		b, err := io.ReadAll(io.LimitReader(f, maxHashedPage))
		if err != nil {
			http.Error(w, "web: not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Security-Policy", csp(scriptHashes(b)))
		if serveGzip(w, r, st.ModTime(), bytes.NewReader(b)) {
			return
		}
		http.ServeContent(w, r, path.Base(name), st.ModTime(), bytes.NewReader(b))
		return
	}
	if compressible(name) && serveGzip(w, r, st.ModTime(), f) {
		return
	}
	http.ServeContent(w, r, path.Base(name), st.ModTime(), f)
}

// filtersJS submits the listing's filter form when a select changes.
const filtersJS = `document.querySelectorAll('#filters select').forEach(function (s) {
  s.addEventListener('change', function () { s.form.submit() })
})
`

// compressible reports whether a store file is text worth compressing
// (histories, logs, JSON, SVG plots); PNGs are compressed already.
func compressible(name string) bool {
	switch path.Ext(name) {
	case ".jsonl", ".json", ".log", ".txt", ".edn", ".svg", ".xml", ".out", ".err", "":
		return true
	}
	return false
}

// serveGzip sends src gzip-compressed when the client accepts it and asks
// for no range (ranges go to http.ServeContent, uncompressed); it reports
// whether it answered.
func serveGzip(w http.ResponseWriter, r *http.Request, mod time.Time, src io.Reader) bool {
	if r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Encoding", "gzip")
	h.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	if r.Method == http.MethodHead {
		return true
	}
	gz := gzip.NewWriter(w)
	io.Copy(gz, src)
	gz.Close()
	return true
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0.
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}
