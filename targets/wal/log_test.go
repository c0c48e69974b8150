package wal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/wal"
)

// open opens path and returns the log and the payloads it replayed.
func open(t *testing.T, path string, opts wal.Options) (*wal.Log, []string) {
	t.Helper()
	var got []string
	l, err := wal.Open(path, opts, func(p []byte) error {
		got = append(got, string(p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, got
}

// reopen replays path as a fresh Open would, and closes the log again.
func reopen(t *testing.T, path string) []string {
	t.Helper()
	l, got := open(t, path, wal.Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return got
}

func mustAppend(t *testing.T, l *wal.Log, recs ...string) {
	t.Helper()
	var ps [][]byte
	for _, r := range recs {
		ps = append(ps, []byte(r))
	}
	if err := l.Append(ps...); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "x.log") // Open creates the dirs
	l, got := open(t, path, wal.Options{})
	if len(got) != 0 {
		t.Fatalf("a new log replayed %q", got)
	}
	mustAppend(t, l, "a")
	mustAppend(t, l, "b", `{"json": true}`)
	mustAppend(t, l) // nothing: returns at once
	if want := int64(3*wal.HeaderSize + 1 + 1 + 14); l.Size() != want || fileSize(t, path) != want {
		t.Fatalf("Size %d, file %d, want %d", l.Size(), fileSize(t, path), want)
	}
	l.Close()
	if got := reopen(t, path); !slices.Equal(got, []string{"a", "b", `{"json": true}`}) {
		t.Fatalf("replayed %q", got)
	}
	// Appending after a reopen goes after the old records.
	l, _ = open(t, path, wal.Options{})
	mustAppend(t, l, "c")
	l.Close()
	if got := reopen(t, path); !slices.Equal(got, []string{"a", "b", `{"json": true}`, "c"}) {
		t.Fatalf("replayed %q after a second session", got)
	}
}

func TestFrameFormat(t *testing.T) {
	// The on-disk format the stores have always written: length LE, CRC-32C
	// LE, payload. A change here breaks every existing data dir.
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	mustAppend(t, l, "123456789")
	l.Close()
	data, _ := os.ReadFile(path)
	// 0xe3069283 is CRC-32C's published check value for "123456789".
	want := append([]byte{9, 0, 0, 0, 0x83, 0x92, 0x06, 0xe3}, "123456789"...)
	if !bytes.Equal(data, want) {
		t.Fatalf("file % x, want % x", data, want)
	}
}

func TestAppendRefusesUnframeableRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	defer l.Close()
	if err := l.Append([]byte("ok"), nil); err == nil {
		t.Fatal("an empty record was appended")
	}
	if err := l.Append(make([]byte, wal.MaxRecord+1)); err == nil {
		t.Fatal("a record over MaxRecord was appended")
	}
	// Refused before anything was written, and not sticky.
	if l.Size() != 0 || l.Err() != nil {
		t.Fatalf("after refusals: size %d, err %v", l.Size(), l.Err())
	}
	mustAppend(t, l, "fine")
}

// threeRecords writes a, bb, ccc and returns the file's bytes and where the
// last frame starts.
func threeRecords(t *testing.T, path string) ([]byte, int) {
	t.Helper()
	l, _ := open(t, path, wal.Options{})
	mustAppend(t, l, "a")
	mustAppend(t, l, "bb")
	mustAppend(t, l, "ccc")
	l.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, len(data) - (wal.HeaderSize + 3)
}

func TestTornTailIsDroppedAtEveryOffset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	full, last := threeRecords(t, path)
	for cut := last; cut < len(full); cut++ {
		t.Run(fmt.Sprintf("len%d", cut), func(t *testing.T) {
			if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			l, got := open(t, path, wal.Options{})
			if !slices.Equal(got, []string{"a", "bb"}) {
				t.Fatalf("replayed %q from a file torn at %d", got, cut)
			}
			if fileSize(t, path) != int64(last) || l.Size() != int64(last) {
				t.Fatalf("file %d bytes, Size %d after open; want truncated to %d", fileSize(t, path), l.Size(), last)
			}
			mustAppend(t, l, "d") // appends go right after the good prefix
			l.Close()
			if got := reopen(t, path); !slices.Equal(got, []string{"a", "bb", "d"}) {
				t.Fatalf("replayed %q after appending to a truncated log", got)
			}
		})
	}
}

func TestBadLastFrameIsDropped(t *testing.T) {
	for name, tail := range map[string]func(full []byte, last int) []byte{
		"crc mismatch": func(full []byte, last int) []byte { b := slices.Clone(full); b[len(b)-1] ^= 1; return b },
		"zero header":  func(full []byte, last int) []byte { return append(slices.Clone(full), make([]byte, 8)...) },
		"huge length": func(full []byte, last int) []byte {
			return append(slices.Clone(full), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)
		},
		"header only": func(full []byte, last int) []byte { return slices.Clone(full[:last+wal.HeaderSize]) },
		"partial frame": func(full []byte, last int) []byte {
			return append(slices.Clone(full), 40, 0, 0, 0, 1, 2, 3, 4, '{', '"')
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.log")
			full, last := threeRecords(t, path)
			bad := tail(full, last)
			os.WriteFile(path, bad, 0o644)
			got := reopen(t, path)
			wantN := 3
			if len(bad) <= len(full) {
				wantN = 2 // the damage is in ccc's frame
			}
			if want := []string{"a", "bb", "ccc"}[:wantN]; !slices.Equal(got, want) {
				t.Fatalf("replayed %q, want %q", got, want)
			}
		})
	}
}

func TestCorruptionBeforeTheEndIsAnError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		byte   int // which byte to flip
		offset int // the frame it is in
	}{
		{"first payload", wal.HeaderSize, 0},
		{"first crc", 5, 0},
		{"second payload", 2*wal.HeaderSize + 1, wal.HeaderSize + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.log")
			full, _ := threeRecords(t, path)
			full[tc.byte] ^= 0xff
			os.WriteFile(path, full, 0o644)
			l, err := wal.Open(path, wal.Options{}, func([]byte) error { return nil })
			if err == nil {
				l.Close()
				t.Fatal("a corrupt record followed by good ones was accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "offset "+strconv.Itoa(tc.offset)) {
				t.Fatalf("error %q does not name the file and offset %d", msg, tc.offset)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, full) {
				t.Fatal("a refused log was modified")
			}
		})
	}
}

func TestReplayErrorNamesFileAndOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	threeRecords(t, path)
	errBad := errors.New("bb is not a record")
	_, err := wal.Open(path, wal.Options{}, func(p []byte) error {
		if string(p) == "bb" {
			return errBad
		}
		return nil
	})
	if !errors.Is(err, errBad) {
		t.Fatalf("Open = %v, want it to wrap the replay error", err)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "offset 9") {
		t.Fatalf("error %q does not name the file and offset 9", msg)
	}
}

func TestGroupCommitSharesOneFsync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	defer l.Close()
	const n = 32
	release := wal.Stall(l) // a write in flight
	before := wal.Syncs(l)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- l.Append([]byte(strconv.Itoa(i))) })
	}
	for wal.Waiting(l) < n {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-errs:
		t.Fatalf("an Append returned (%v) before its fsync", err)
	default:
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := wal.Syncs(l) - before; got != 1 {
		t.Fatalf("%d appenders waiting behind one write took %d fsyncs, want 1", n, got)
	}
}

func TestConcurrentAppendsAllSurvive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	const writers, each = 16, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := l.Append([]byte(fmt.Sprintf("%d/%d", w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	syncs := wal.Syncs(l)
	l.Close()
	t.Logf("%d appends in %d fsyncs", writers*each, syncs)
	next := make([]int, writers) // each writer's records, in its order
	got := reopen(t, path)
	for _, r := range got {
		var w, i int
		fmt.Sscanf(r, "%d/%d", &w, &i)
		if i != next[w] {
			t.Fatalf("writer %d: record %d where %d was due", w, i, next[w])
		}
		next[w]++
	}
	if len(got) != writers*each {
		t.Fatalf("replayed %d records, want %d", len(got), writers*each)
	}
}

func TestFailureIsSticky(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{Snapshot: func() ([][]byte, error) { return nil, nil }})
	mustAppend(t, l, "a")
	repair := wal.BreakFile(l)
	err := l.Append([]byte("b"))
	if !errors.Is(err, os.ErrClosed) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Append on a broken file = %v, want the write error naming the file", err)
	}
	repair() // the file works again, but the log's tail is unknown: stay dead
	for name, err := range map[string]error{"Append": l.Append([]byte("c")), "Rewrite": l.Rewrite(), "Err": l.Err()} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after a failed write = %v, want the first error", name, err)
		}
	}
	l.Close()
	if got := reopen(t, path); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("replayed %q after a failed write, want only the record acknowledged before it", got)
	}
}

func TestClosedLogRefusesWork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	mustAppend(t, l, "a")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if err := l.Append([]byte("b")); !errors.Is(err, wal.ErrClosed) {
		t.Fatalf("Append after Close = %v", err)
	}
	if err := l.Err(); !errors.Is(err, wal.ErrClosed) {
		t.Fatalf("Err after Close = %v", err)
	}
}

func TestCloseWritesWhatWasAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{})
	release := wal.Stall(l)
	done := make(chan error)
	go func() { done <- l.Append([]byte("a")) }()
	for wal.Waiting(l) < 1 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error)
	go func() { closed <- l.Close() }()
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("an Append made before Close failed: %v", err)
	}
	if got := reopen(t, path); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("replayed %q", got)
	}
}
