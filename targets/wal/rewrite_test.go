package wal_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/targets/wal"
)

// fixed is a Snapshot that returns recs.
func fixed(recs ...string) func() ([][]byte, error) {
	return func() ([][]byte, error) {
		var out [][]byte
		for _, r := range recs {
			out = append(out, []byte(r))
		}
		return out, nil
	}
}

func TestRewriteReplacesTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{Snapshot: fixed("s1", "s2")})
	mustAppend(t, l, "a", "b", "c")
	if err := l.Rewrite(); err != nil {
		t.Fatal(err)
	}
	if want := int64(2 * (wal.HeaderSize + 2)); l.Size() != want || fileSize(t, path) != want {
		t.Fatalf("after Rewrite: Size %d, file %d, want %d", l.Size(), fileSize(t, path), want)
	}
	mustAppend(t, l, "d") // goes to the new file
	l.Close()
	if got := reopen(t, path); !slices.Equal(got, []string{"s1", "s2", "d"}) {
		t.Fatalf("replayed %q, want the snapshot then what came after", got)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("temp file left behind: %v", err)
	}
}

func TestRewriteNeedsASnapshot(t *testing.T) {
	l, _ := open(t, filepath.Join(t.TempDir(), "x.log"), wal.Options{})
	defer l.Close()
	if err := l.Rewrite(); err == nil {
		t.Fatal("Rewrite without Options.Snapshot succeeded")
	}
}

func TestLeftoverTempFileIsRemoved(t *testing.T) {
	// A crash between writing the temp file and the rename: the old log
	// is the truth, whatever the temp file holds.
	path := filepath.Join(t.TempDir(), "x.log")
	threeRecords(t, path)
	for name, junk := range map[string][]byte{
		"garbage":         []byte("half a rewr"),
		"complete frames": func() []byte { full, _ := os.ReadFile(path); return full[:wal.HeaderSize+1] }(),
	} {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(path+".tmp", junk, 0o644)
			if got := reopen(t, path); !slices.Equal(got, []string{"a", "bb", "ccc"}) {
				t.Fatalf("replayed %q with a leftover temp file", got)
			}
			if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
				t.Fatalf("leftover temp file not removed: %v", err)
			}
		})
	}
}

func TestSnapshotFailureIsSticky(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l, _ := open(t, path, wal.Options{Snapshot: fixed("ok", "")}) // an empty record cannot be framed
	mustAppend(t, l, "a")
	if err := l.Rewrite(); err == nil {
		t.Fatal("a snapshot with an empty record was written")
	}
	if err := l.Append([]byte("b")); err == nil {
		t.Fatal("Append after a failed rewrite succeeded")
	}
	l.Close()
	if got := reopen(t, path); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("replayed %q: a failed rewrite must leave the old log", got)
	}
}

func TestAppendsDuringARewriteGoToTheNewFile(t *testing.T) {
	// The Log's half of Rewrite's invariant: what is appended while the
	// snapshot is taken and written lands after it in the new file.
	path := filepath.Join(t.TempDir(), "x.log")
	inSnapshot, proceed := make(chan struct{}), make(chan struct{})
	l, _ := open(t, path, wal.Options{Snapshot: func() ([][]byte, error) {
		close(inSnapshot)
		<-proceed
		return [][]byte{[]byte("snap")}, nil
	}})
	mustAppend(t, l, "old")
	rewritten := make(chan error)
	go func() { rewritten <- l.Rewrite() }()
	<-inSnapshot
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := l.Append([]byte("new" + strconv.Itoa(i))); err != nil {
				t.Error(err)
			}
		})
	}
	for wal.Waiting(l) < n {
		time.Sleep(time.Millisecond)
	}
	close(proceed)
	if err := <-rewritten; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	l.Close()
	got := reopen(t, path)
	if len(got) != 1+n || got[0] != "snap" {
		t.Fatalf("replayed %q, want snap then the %d appends made during the rewrite", got, n)
	}
}

func TestCompactBytesBoundsTheLog(t *testing.T) {
	const bound = 4 << 10
	path := filepath.Join(t.TempDir(), "x.log")
	// The state is one counter; the snapshot is its value.
	var mu sync.Mutex
	var counter int
	var rewrites int
	snapshot := func() ([][]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		rewrites++
		return [][]byte{[]byte(strconv.Itoa(counter))}, nil
	}
	l, _ := open(t, path, wal.Options{CompactBytes: bound, Snapshot: snapshot})
	for i := 1; i <= 2000; i++ {
		mu.Lock()
		counter = i // memory first, then Append: see Rewrite
		mu.Unlock()
		mustAppend(t, l, strconv.Itoa(i))
		if l.Size() > bound+wal.HeaderSize+4 {
			t.Fatalf("log at %d bytes with CompactBytes %d", l.Size(), bound)
		}
	}
	l.Close()
	if rewrites < 2 {
		t.Fatalf("%d rewrites in 2000 appends past a %d-byte bound", rewrites, bound)
	}
	got := reopen(t, path)
	if got[len(got)-1] != "2000" {
		t.Fatalf("last record after rewrites %q, want 2000", got[len(got)-1])
	}
}

func TestCompactBytesGrowsForLiveData(t *testing.T) {
	const bound = 1000
	path := filepath.Join(t.TempDir(), "x.log")
	big := string(make([]byte, 600)) // the live state: over bound/2
	snap := []string{big}
	var mu sync.Mutex
	l, _ := open(t, path, wal.Options{CompactBytes: bound, Snapshot: func() ([][]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		return fixed(snap...)()
	}})
	defer l.Close()
	if err := l.Rewrite(); err != nil {
		t.Fatal(err)
	}
	if got, want := wal.CompactAt(l), 2*l.Size(); got != want {
		t.Fatalf("bound after rewriting %d live bytes is %d, want %d", l.Size(), got, want)
	}
	mu.Lock()
	snap = []string{"small"}
	mu.Unlock()
	if err := l.Rewrite(); err != nil {
		t.Fatal(err)
	}
	if got := wal.CompactAt(l); got != bound {
		t.Fatalf("bound after a small rewrite is %d, want CompactBytes %d again", got, bound)
	}
}

// TestNoAcknowledgedRecordIsLostToRewrites is the invariant end to end,
// against a naive model: writers own a key each and set it, while a tiny
// CompactBytes makes the log rewrite itself over and over underneath them.
// Meanwhile a "crash" copies the file as it is now and replays the copy:
// every value acknowledged before the copy began must be in it. After a
// clean reopen the state must be the model's. The writers keep the
// caller's half of the invariant in the two ways Rewrite names: state
// first, then Append (register, kv); or Append first with the record held
// as unapplied until it is applied (queue). Dropping the unapplied list
// from the second makes this test fail.
func TestNoAcknowledgedRecordIsLostToRewrites(t *testing.T) {
	for _, durableFirst := range []bool{false, true} {
		t.Run(map[bool]string{false: "state first", true: "durable first"}[durableFirst], func(t *testing.T) {
			testNoAcknowledgedRecordIsLost(t, durableFirst)
		})
	}
}

type kvRec struct {
	K string `json:"k"`
	V int    `json:"v"`
}

func encodeKV(k string, v int) []byte {
	p, _ := json.Marshal(kvRec{k, v})
	return p
}

// replayKV is the state in the log at path (opened as after a crash).
func replayKV(t *testing.T, path string) map[string]int {
	got := map[string]int{}
	l, err := wal.Open(path, wal.Options{}, func(p []byte) error {
		var r kvRec
		if err := json.Unmarshal(p, &r); err != nil {
			return err
		}
		got[r.K] = r.V
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	return got
}

func testNoAcknowledgedRecordIsLost(t *testing.T, durableFirst bool) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.log")
	var mu sync.Mutex
	state := map[string]int{}     // what the store serves
	unapplied := map[string]int{} // durable first: appended, not yet in state
	acked := map[string]int{}     // what Append has acknowledged
	snapshot := func() ([][]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		var out [][]byte
		for k, v := range state {
			out = append(out, encodeKV(k, v))
		}
		for k, v := range unapplied { // after state: the newer value wins
			out = append(out, encodeKV(k, v))
		}
		return out, nil
	}
	l, _ := open(t, path, wal.Options{CompactBytes: 2 << 10, Snapshot: snapshot})
	const writers, each = 8, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			k := "k" + strconv.Itoa(w)
			for v := 1; v <= each; v++ {
				mu.Lock()
				if durableFirst {
					unapplied[k] = v
				} else {
					state[k] = v
				}
				mu.Unlock()
				if err := l.Append(encodeKV(k, v)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				state[k] = v
				delete(unapplied, k)
				acked[k] = v
				mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	crash := filepath.Join(dir, "crash", "x.log")
	for crashes := 0; ; crashes++ {
		select {
		case <-done:
			t.Logf("%d crash copies checked", crashes)
			l.Close()
			for k, v := range replayKV(t, path) {
				if v != each {
					t.Errorf("%s = %d after reopen, want %d", k, v, each)
				}
			}
			if fileSize(t, path) > 8<<10 {
				t.Errorf("log is %d bytes: the rewrites did not run", fileSize(t, path))
			}
			return
		default:
		}
		mu.Lock()
		before := maps.Clone(acked)
		mu.Unlock()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(crash), 0o755)
		os.WriteFile(crash, data, 0o644)
		got := replayKV(t, crash)
		for k, v := range before {
			if got[k] < v {
				t.Fatalf("a crash now would lose %s = %d (acknowledged); the file has %d", k, v, got[k])
			}
		}
	}
}
