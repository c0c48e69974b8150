package rundir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []string{"one", "two"} {
		if err := WriteFile(dir, ResultsFile, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, ResultsFile)); string(b) != s {
			t.Errorf("results.json = %q, want %q", b, s)
		}
	}
	// A missing subdirectory is made.
	if err := WriteFile(dir, Plot(PlotRate, "svg"), []byte("<svg/>")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "plots", "rate.svg")); string(b) != "<svg/>" {
		t.Errorf("plots/rate.svg = %q", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"plots", "results.json"}) {
		t.Errorf("run directory holds %v; want plots, results.json and no temp file", got)
	}
}

// TestWriteRefusesSymlink: a run directory file, or a directory on the way
// to it, that is a symlink is refused with an error naming it, and nothing
// is written where it points.
func TestWriteRefusesSymlink(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	victim := filepath.Join(outside, "victim")
	os.WriteFile(victim, []byte("keep"), 0o644)
	os.Symlink(victim, filepath.Join(dir, ResultsFile))
	os.Symlink("nowhere", filepath.Join(dir, IndexFile)) // dangling
	os.Symlink(outside, filepath.Join(dir, PlotsDir))
	os.Mkdir(filepath.Join(dir, NodesDir), 0o755)
	os.Symlink(ResultsFile, filepath.Join(dir, NodesDir, "inside")) // even one that stays inside
	for _, name := range []string{ResultsFile, IndexFile, Plot(PlotRate, "png"), NodesDir + "/inside"} {
		err := WriteFile(dir, name, []byte("evil"))
		if !errors.Is(err, ErrSymlink) {
			t.Errorf("write %s through a symlink: %v, want ErrSymlink", name, err)
			continue
		}
		first := strings.Split(name, "/")[0]
		if name == NodesDir+"/inside" {
			first = name
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, filepath.FromSlash(first))) {
			t.Errorf("write %s: %q does not name %s", name, err, first)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the symlink's target was written: %q", b)
	}
	if got := names(t, outside); !slices.Equal(got, []string{"victim"}) {
		t.Errorf("outside directory now holds %v", got)
	}
	if got := names(t, dir); len(got) != 4 {
		t.Errorf("run directory holds %v; want the four planted entries and no temp file", got)
	}
}

func TestWriteRefusesBadNames(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, PlotsDir), 0o755)
	for _, name := range []string{"", "../x", "/etc/x", "plots/../../x", "./x", PlotsDir} {
		if err := WriteFile(dir, name, []byte("x")); err == nil {
			t.Errorf("WriteFile(%q) = nil, want an error", name)
		}
	}
	if got := names(t, filepath.Dir(dir)); slices.Contains(got, "x") {
		t.Errorf("a write left the run directory: its parent holds %v", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{PlotsDir}) {
		t.Errorf("run directory holds %v, want plots alone", got)
	}
}

// TestWriteFailureCleansUp: when filling fails, the temp file is removed,
// the old file is intact, and the error wraps fill's.
func TestWriteFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	WriteFile(dir, IndexFile, []byte("old"))
	boom := errors.New("boom")
	err := Write(dir, IndexFile, func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("half", 1<<16)) // past the buffer: bytes reach the temp file
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), filepath.Join(dir, IndexFile)) {
		t.Errorf("Write = %v, want boom naming index.html", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, IndexFile)); string(b) != "old" {
		t.Errorf("index.html = %.20q..., want the old content", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{IndexFile}) {
		t.Errorf("run directory holds %v, want index.html alone", got)
	}
}

// TestWriteConcurrent: writers of one file never share a temp file; the
// file ends as one of them wrote it.
func TestWriteConcurrent(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := WriteFile(dir, ResultsFile, []byte(strings.Repeat(fmt.Sprint(i), 1000))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	b, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	if len(b) != 1000 || strings.Count(string(b), string(b[:1])) != 1000 {
		t.Errorf("results.json is a mix of writers: %.40q", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{ResultsFile}) {
		t.Errorf("run directory holds %v", got)
	}
}

// TestWriteThroughSymlinkedDir: the run directory itself may be a symlink
// (analyze store/latest).
func TestWriteThroughSymlinkedDir(t *testing.T) {
	store := t.TempDir()
	dir := filepath.Join(store, "20260101T000000.000")
	os.Mkdir(dir, 0o755)
	os.Symlink(filepath.Base(dir), filepath.Join(store, Latest))
	if err := WriteFile(filepath.Join(store, Latest), ResultsFile, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ResultsFile)); string(b) != "{}\n" {
		t.Errorf("results.json = %q", b)
	}
}
