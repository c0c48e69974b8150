package register_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/faultline/faultline/targets/paxos"
	"github.com/faultline/faultline/targets/register"
)

func state(c uint64, v string) paxos.State {
	b := paxos.Ballot{Counter: c, Node: "n1"}
	return paxos.State{Promised: b, Accepted: b, Value: []byte(v)}
}

func mustOpen(t *testing.T, dir string, opts register.StoreOptions) *register.Store {
	t.Helper()
	s, err := register.OpenStore(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustGet(t *testing.T, s *register.Store, key string) paxos.State {
	t.Helper()
	st, err := s.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoreReplaysAfterReopen(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, register.StoreOptions{})
	if s.Epoch() != 1 {
		t.Fatalf("first epoch %d, want 1", s.Epoch())
	}
	for i := range 10 {
		if err := s.Put("k"+strconv.Itoa(i%3), state(uint64(i+1), strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = mustOpen(t, dir, register.StoreOptions{})
	defer s.Close()
	if s.Epoch() != 2 {
		t.Fatalf("epoch after reopen %d, want 2", s.Epoch())
	}
	want := map[string]paxos.State{"k0": state(10, "9"), "k1": state(8, "7"), "k2": state(9, "8")}
	for k, w := range want {
		if got := mustGet(t, s, k); !got.Equal(w) {
			t.Errorf("%s = %+v, want %+v", k, got, w)
		}
	}
}

func TestStoreDropsTornTail(t *testing.T) {
	for _, cut := range []int{1, 4, 7, 9, 20} {
		t.Run(fmt.Sprintf("cut%d", cut), func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir, register.StoreOptions{})
			s.Put("a", state(1, "1"))
			s.Put("b", state(2, "2"))
			s.Close()
			path := filepath.Join(dir, register.LogName)
			// Append a record, then cut it short: a write torn by a crash.
			s = mustOpen(t, dir, register.StoreOptions{})
			s.Put("a", state(3, "3"))
			s.Close()
			full, _ := os.ReadFile(path)
			// The reopen wrote an epoch record after `good`; keep it and
			// tear the last record.
			last := len(full)
			torn := full[:last-cut]
			if err := os.WriteFile(path, torn, 0o644); err != nil {
				t.Fatal(err)
			}
			s = mustOpen(t, dir, register.StoreOptions{})
			defer s.Close()
			if got := mustGet(t, s, "a"); !got.Equal(state(1, "1")) {
				t.Fatalf("a = %+v after a torn tail, want the last complete record %+v", got, state(1, "1"))
			}
			if got := mustGet(t, s, "b"); !got.Equal(state(2, "2")) {
				t.Fatalf("b = %+v", got)
			}
			if s.Epoch() != 3 {
				t.Fatalf("epoch %d, want 3", s.Epoch())
			}
			// Still appendable after truncation.
			if err := s.Put("c", state(4, "4")); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = mustOpen(t, dir, register.StoreOptions{})
			if got := mustGet(t, s, "c"); !got.Equal(state(4, "4")) {
				t.Fatalf("c = %+v after reopen", got)
			}
			s.Close()
		})
	}
}

func TestStoreRefusesCorruptionInTheMiddle(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, register.StoreOptions{})
	s.Put("a", state(1, "1"))
	s.Put("b", state(2, "2"))
	s.Close()
	path := filepath.Join(dir, register.LogName)
	data, _ := os.ReadFile(path)
	data[12] ^= 0xff // inside the first record's payload
	os.WriteFile(path, data, 0o644)
	if s, err := register.OpenStore(dir, register.StoreOptions{}); err == nil {
		s.Close()
		t.Fatal("a corrupt record followed by good ones was silently accepted")
	}
}

func TestStoreCompacts(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, register.StoreOptions{CompactBytes: 4 << 10})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				if err := s.Put("k"+strconv.Itoa(w), state(uint64(i+1), strconv.Itoa(i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	fi, err := os.Stat(filepath.Join(dir, register.LogName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 16<<10 {
		t.Fatalf("log is %d bytes after 2400 puts on 8 keys with compaction at 4 KiB", fi.Size())
	}
	s = mustOpen(t, dir, register.StoreOptions{})
	defer s.Close()
	for w := range 8 {
		if got := mustGet(t, s, "k"+strconv.Itoa(w)); !got.Equal(state(300, "299")) {
			t.Errorf("k%d = %+v after compaction and reopen, want %+v", w, got, state(300, "299"))
		}
	}
	if s.Epoch() != 2 {
		t.Errorf("epoch %d after compaction, want 2", s.Epoch())
	}
}
