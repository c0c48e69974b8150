package web

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/faultline/faultline/rundir"
)

// maxListed bounds the entries one directory listing shows.
const maxListed = 5000

// refreshSecs is how often the listing of a running run reloads itself.
const refreshSecs = 5

// fileItem is one entry of a directory listing. Href is empty for what the
// listing does not link: symlinks (never followed from a listing) and
// special files (FIFOs, devices, sockets: never opened).
type fileItem struct {
	Name, Href, Kind string
	Size             string // human; "" for a directory
	Bytes            int64
	Mod              string // UTC
}

// dirView is a directory listing, with the run it belongs to, if any.
type dirView struct {
	Name    string // slash-separated, relative to the store; "." for the store
	Parent  string // href of the parent listing; "" at the store
	Items   []fileItem
	More    bool   // entries past maxListed were not listed
	Run     *Entry // the run the directory is in, with its Path set
	Refresh int    // seconds between reloads while the run runs; 0 for none
}

// files serves /files/<rel>/, the listing of a store directory. Unlike
// /store/, it never goes through a symlink, on the way or at the end: each
// step of the path is checked with Lstat inside the store's os.Root.
func (s *Server) files(w http.ResponseWriter, r *http.Request, rel string) {
	name := strings.TrimSuffix(rel, "/")
	if name == "" {
		name = "."
	}
	if !fs.ValidPath(name) {
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	if name != "." {
		parts := strings.Split(name, "/")
		for i := range parts {
			st, err := s.root.Lstat(strings.Join(parts[:i+1], "/"))
			switch {
			case err != nil, st.Mode()&fs.ModeSymlink != 0:
				http.Error(w, "web: not found", http.StatusNotFound)
				return
			case i == len(parts)-1 && st.Mode().IsRegular():
				http.Redirect(w, r, storeHref("/store/", name), http.StatusFound)
				return
			case !st.IsDir():
				http.Error(w, "web: not found", http.StatusNotFound)
				return
			}
		}
	}
	if !strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusFound)
		return
	}
	f, st, err := safeFS{s.root}.open(name)
	if err != nil {
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	if !st.IsDir() { // swapped since the checks above
		http.Error(w, "web: not found", http.StatusNotFound)
		return
	}
	s.dirList(w, f, name)
}

// dirList writes the listing of the directory f, name in the store: each
// entry's name (escaped, as every text of the page), kind, size and
// modification time, with a link to each file and subdirectory. Within a
// run directory it heads the page with the run's verdict and report, and
// while the run runs the page reloads itself every refreshSecs.
func (s *Server) dirList(w http.ResponseWriter, f *os.File, name string) {
	ents, err := f.ReadDir(maxListed + 1)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "web: cannot list", http.StatusInternalServerError)
		return
	}
	v := dirView{Name: name}
	if len(ents) > maxListed {
		ents = ents[:maxListed]
		v.More = true
	}
	if name != "." {
		v.Parent = "../"
	}
	for _, e := range ents {
		v.Items = append(v.Items, item(e, name))
	}
	sort.Slice(v.Items, func(i, j int) bool {
		a, b := v.Items[i], v.Items[j]
		if (a.Kind == "dir") != (b.Kind == "dir") {
			return a.Kind == "dir"
		}
		return a.Name < b.Name
	})
	if p, ok := s.runOf(name); ok {
		if e, ok := runEntry(safeFS{s.root}, p); ok {
			e.Path, e.Time = p, path.Base(p)
			v.Run = &e
			if e.Verdict == "running" {
				v.Refresh = refreshSecs
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if v.Refresh > 0 {
		w.Header().Set("Cache-Control", "no-store")
	}
	dirTmpl.Execute(w, v)
}

// item describes one directory entry without following it: a symlink is
// listed as one, a FIFO or device as "special", neither linked.
func item(e fs.DirEntry, dir string) fileItem {
	it := fileItem{Name: e.Name()}
	info, err := e.Info()
	if err == nil {
		it.Mod = info.ModTime().UTC().Format(time.DateTime)
	}
	esc := url.PathEscape(e.Name())
	switch t := e.Type(); {
	case t&fs.ModeSymlink != 0:
		it.Kind = "symlink"
	case e.IsDir():
		it.Kind, it.Href = "dir", "./"+esc+"/"
	case t.IsRegular():
		it.Kind, it.Href = "file", storeHref("/store/", path.Join(dir, e.Name()))
		if err == nil {
			it.Bytes, it.Size = info.Size(), humanSize(info.Size())
		}
	default:
		it.Kind = "special"
	}
	return it
}

// runOf is the run directory that the store directory name is in, or
// false: store/<test>/<time>/... with a test.json.
func (s *Server) runOf(name string) (string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) < 2 || parts[0] == rundir.CampaignsDir || !rundir.IsTimeName(parts[1]) {
		return "", false
	}
	p := parts[0] + "/" + parts[1]
	if st, err := s.root.Lstat(path.Join(p, rundir.ConfigFile)); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return p, true
}

// storeHref is prefix followed by the store path p, each of its names
// escaped for a URL path ("a?b" stays a name, not a query).
func storeHref(prefix, p string) string {
	if p == "." || p == "" {
		return prefix
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return prefix + strings.Join(parts, "/")
}
