package rundir

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNewNames(t *testing.T) {
	store := t.TempDir()
	now := time.Date(2026, 11, 26, 14, 0, 0, 123e6, time.UTC)
	a, err := New(store, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(store, "x", now)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(a) != "20261126T140000.123" || a == b || !IsTimeName(filepath.Base(b)) {
		t.Errorf("run dirs %s, %s", a, b)
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden", "a b"} {
		if _, err := New(store, bad, now); err == nil {
			t.Errorf("New accepted test name %q", bad)
		}
	}
	for _, n := range []string{Latest, "x", "20261126T1400"} {
		if IsTimeName(n) {
			t.Errorf("IsTimeName(%q) = true", n)
		}
	}
}

func TestUpdateLatest(t *testing.T) {
	store := t.TempDir()
	for _, ms := range []int{1, 2} {
		dir, err := New(store, "x", time.Date(2026, 1, 1, 0, 0, 0, ms*1e6, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := UpdateLatest(store, dir); err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{filepath.Join(store, Latest), filepath.Join(store, "x", Latest)} {
			if got, err := filepath.EvalSymlinks(l); err != nil || got != dir {
				t.Errorf("%s -> %s (%v), want %s", l, got, err, dir)
			}
		}
	}
	if target, _ := os.Readlink(filepath.Join(store, Latest)); filepath.IsAbs(target) {
		t.Errorf("store/latest -> %s, want a relative link", target)
	}
}
