package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The run's end is its last whole op, whatever the length of the lines
// around it; a torn last line is passed over.
func TestLastOpTime(t *testing.T) {
	store := t.TempDir()
	root, err := os.OpenRoot(store)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	s := safeFS{root}
	long := strings.Repeat("v", 20<<10)
	for name, c := range map[string]struct {
		text string
		want int64
		ok   bool
	}{
		"short":    {`{"index":0,"time":5}` + "\n" + `{"index":1,"time":7}` + "\n", 7, true},
		"torn":     {`{"index":0,"time":5}` + "\n" + `{"index":1,"ti`, 5, true},
		"long":     {`{"index":0,"time":5}` + "\n" + `{"index":1,"time":9,"value":"` + long + `"}` + "\n", 9, true},
		"longtorn": {`{"index":0,"time":3,"value":"` + long + `"}` + "\n" + `{"index":1,"time":9,"value":"` + long, 3, true},
		"empty":    {"", 0, false},
		"garbage":  {"not json\n", 0, false},
	} {
		write(t, filepath.Join(store, name), []byte(c.text))
		got, ok := lastOpTime(s, name)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %d %v, want %d %v", name, got, ok, c.want, c.ok)
		}
	}
}

// The verdict of a results.json too large to decode comes from its head,
// wherever it is among the fields that fit.
func TestHeadVerdict(t *testing.T) {
	for in, want := range map[string]string{
		`{"verdict": "invalid", "checkers": {"c": {"summary": "` + strings.Repeat("x", 100<<10): "invalid",
		`{"stats": {"client_ops": 3}, "verdict": "valid", "checkers": {`:                        "valid",
		`{"checkers": {"c": {"summary": "` + strings.Repeat("x", 100<<10):                       "unknown",
		`[1, 2]`:     "unknown",
		`not json`:   "unknown",
		`{"verdict"`: "unknown",
	} {
		if got := headVerdict(strings.NewReader(in)); got != want {
			t.Errorf("%.40q: %q, want %q", in, got, want)
		}
	}
}
