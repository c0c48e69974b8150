package clock_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/clock"
)

func TestParse(t *testing.T) {
	good := map[string]clock.Config{
		``:                           {},
		"  \n":                       {},
		`{"offset_ns": 5}`:           {OffsetNS: 5, Rate: 1},
		`{"offset_ns": -7000000000}`: {OffsetNS: -7e9, Rate: 1},
		`{"offset_ns":1,"rate":2,"since_ns":10}` + "\n": {OffsetNS: 1, Rate: 2, SinceNS: 10},
	}
	for in, want := range good {
		got, err := clock.Parse([]byte(in))
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{`{`, `{"offset": 5}`, `{"offset_ns": "5"}`, `{"offset_ns": 1, "rate": -1}`, `{"offset_ns":1} {"offset_ns":2}`, `[1]`} {
		if c, err := clock.Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, c)
		}
	}
}

func TestConfigAt(t *testing.T) {
	sys := time.Unix(1000, 0)
	cases := []struct {
		cfg  clock.Config
		want time.Time
	}{
		{clock.Config{}, sys},
		{clock.Config{OffsetNS: int64(3 * time.Second)}, sys.Add(3 * time.Second)},
		{clock.Config{OffsetNS: -int64(time.Hour)}, sys.Add(-time.Hour)},
		// 10 s since the rate started at 1.5x: 5 s ahead, plus the offset.
		{clock.Config{OffsetNS: 1, Rate: 1.5, SinceNS: time.Unix(990, 0).UnixNano()}, sys.Add(5*time.Second + 1)},
		// Half speed: 10 s in, 5 s behind.
		{clock.Config{Rate: 0.5, SinceNS: time.Unix(990, 0).UnixNano()}, sys.Add(-5 * time.Second)},
	}
	for _, c := range cases {
		if got := c.cfg.At(sys); !got.Equal(c.want) {
			t.Errorf("%+v.At(%v) = %v, want %v", c.cfg, sys, got, c.want)
		}
	}
}

// fakeSys is a settable system clock.
type fakeSys struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeSys) now() time.Time      { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeSys) add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func writeAtomic(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestClockFollowsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	sys := &fakeSys{t: time.Unix(5000, 0)}
	c := clock.New(path, clock.Options{Sys: sys.now, CheckEvery: 10 * time.Millisecond})
	if got := c.Now(); !got.Equal(sys.now()) {
		t.Fatalf("no file: Now = %v, want the system time %v", got, sys.now())
	}

	writeAtomic(t, path, `{"offset_ns": 2000000000}`)
	// Within CheckEvery of the last look the old setting may stand; once it
	// passed, the new one must be in force.
	sys.add(20 * time.Millisecond)
	if got, want := c.Now(), sys.now().Add(2*time.Second); !got.Equal(want) {
		t.Fatalf("after write: Now = %v, want %v", got, want)
	}
	if c.Config().OffsetNS != 2e9 || c.Err() != nil {
		t.Fatalf("config %+v err %v", c.Config(), c.Err())
	}

	// Same size, new content, replaced atomically: still noticed.
	writeAtomic(t, path, `{"offset_ns":-3000000000}`)
	sys.add(20 * time.Millisecond)
	if got, want := c.Now(), sys.now().Add(-3*time.Second); !got.Equal(want) {
		t.Fatalf("after second write: Now = %v, want %v", got, want)
	}

	// A bad file keeps the last good setting and reports the error.
	writeAtomic(t, path, `{"offset_ns": "soon"}`)
	sys.add(20 * time.Millisecond)
	if got, want := c.Now(), sys.now().Add(-3*time.Second); !got.Equal(want) || c.Err() == nil {
		t.Fatalf("bad file: Now = %v (want %v), err %v (want one)", got, want, c.Err())
	}

	// Removing the file heals.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	sys.add(20 * time.Millisecond)
	if got := c.Now(); !got.Equal(sys.now()) || c.Err() != nil {
		t.Fatalf("removed file: Now = %v, want %v; err %v", got, sys.now(), c.Err())
	}
}

func TestClockRateDefaultsSinceToModTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	writeAtomic(t, path, `{"offset_ns": 0, "rate": 2}`)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	start := fi.ModTime()
	sys := &fakeSys{t: start.Add(time.Second)}
	c := clock.New(path, clock.Options{Sys: sys.now})
	// One second after the file was written at double speed: one second ahead.
	if got, want := c.Now(), start.Add(2*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
}

func TestHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	writeAtomic(t, path, `{"offset_ns": -60000000000}`)
	sys := &fakeSys{t: time.Unix(7000, 0)}
	c := clock.New(path, clock.Options{Sys: sys.now})
	rec := httptest.NewRecorder()
	clock.Handler("n3", c)(rec, httptest.NewRequest("GET", "/clock", nil))
	var r clock.Reading
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	want := clock.Reading{Node: "n3", TimeNS: time.Unix(6940, 0).UnixNano(), OffsetNS: -60e9, Rate: 1}
	if r != want {
		t.Fatalf("GET /clock = %+v, want %+v", r, want)
	}
	if sysc := clock.System(); sysc.Path() != "" || sysc.Config() != (clock.Config{}) {
		t.Fatalf("System clock has a file or a setting: %q %+v", sysc.Path(), sysc.Config())
	}
}
