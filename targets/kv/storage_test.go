package kv_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/faultline/faultline/targets/kv"
	"github.com/faultline/faultline/targets/paxos"
)

func v(x int64, ts int64, node string) *kv.Version { return &kv.Version{Value: &x, TS: ts, Node: node} }

func TestStoreReplayTornTailAndLWW(t *testing.T) {
	dir := t.TempDir()
	s, err := kv.OpenStore(dir, kv.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	merge := func(e kv.Entry) bool {
		t.Helper()
		_, changed, err := s.Merge(e)
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}
	if !merge(kv.Entry{Kind: kv.KindKV, Key: "a", Found: true, Version: v(1, 10, "n1")}) {
		t.Fatal("first version not stored")
	}
	if merge(kv.Entry{Kind: kv.KindKV, Key: "a", Found: true, Version: v(2, 9, "n2")}) {
		t.Fatal("older version replaced a newer one")
	}
	if !merge(kv.Entry{Kind: kv.KindKV, Key: "a", Found: true, Version: v(3, 10, "n2")}) {
		t.Fatal("same ts, higher node id did not win")
	}
	merge(kv.Entry{Kind: kv.KindSet, Key: "s", Found: true, Elements: []int64{3, 1}})
	if merge(kv.Entry{Kind: kv.KindSet, Key: "s", Found: true, Elements: []int64{1}}) {
		t.Fatal("re-adding an element changed the set")
	}
	merge(kv.Entry{Kind: kv.KindSet, Key: "s", Found: true, Elements: []int64{2}})
	st := paxos.State{Promised: paxos.Ballot{Counter: 5, Node: "n1"}, Accepted: paxos.Ballot{Counter: 5, Node: "n1"}, Value: []byte("9")}
	merge(kv.Entry{Kind: kv.KindPaxos, Key: "kv/p", Found: true, State: &st})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A torn record at the end, as kill -9 mid-write leaves it.
	f, err := os.OpenFile(filepath.Join(dir, kv.LogName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, '{', '"'})
	f.Close()

	s, err = kv.OpenStore(dir, kv.StoreOptions{})
	if err != nil {
		t.Fatalf("reopen with a torn tail: %v", err)
	}
	defer s.Close()
	if s.Epoch() != 2 {
		t.Fatalf("epoch %d after the second open, want 2", s.Epoch())
	}
	a, _ := s.Get(kv.KindKV, "a")
	if !a.Found || *a.Version.Value != 3 || a.Version.Node != "n2" {
		t.Fatalf("a after replay = %+v", a.Version)
	}
	set, _ := s.Get(kv.KindSet, "s")
	if !slices.Equal(set.Elements, []int64{1, 2, 3}) {
		t.Fatalf("set after replay = %v", set.Elements)
	}
	p, _ := s.Get(kv.KindPaxos, "kv/p")
	if !p.Found || !p.State.Equal(st) {
		t.Fatalf("paxos state after replay = %+v", p.State)
	}
	// A delayed accept below the state's ballot is refused; above it, taken.
	low := paxos.State{Accepted: paxos.Ballot{Counter: 4, Node: "n9"}, Promised: paxos.Ballot{Counter: 4, Node: "n9"}, Value: []byte("1")}
	if _, changed, _ := s.Merge(kv.Entry{Kind: kv.KindPaxos, Key: "kv/p", Found: true, State: &low}); changed {
		t.Fatal("a lower accepted state replaced a higher one")
	}
	if missing, _ := s.Get(kv.KindKV, "nope"); missing.Found {
		t.Fatal("a missing key was found")
	}
}

func TestStoreRefusesMidLogCorruption(t *testing.T) {
	dir := t.TempDir()
	s, err := kv.OpenStore(dir, kv.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(3) {
		if _, _, err := s.Merge(kv.Entry{Kind: kv.KindKV, Key: "a", Found: true, Version: v(i, i+1, "n1")}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	path := filepath.Join(dir, kv.LogName)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	os.WriteFile(path, data, 0o644)
	if s, err := kv.OpenStore(dir, kv.StoreOptions{}); err == nil {
		s.Close()
		t.Fatal("a log corrupt in the middle opened without error")
	}
}

func TestStoreCompactionKeepsState(t *testing.T) {
	dir := t.TempDir()
	s, err := kv.OpenStore(dir, kv.StoreOptions{CompactBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(500) {
		if _, _, err := s.Merge(kv.Entry{Kind: kv.KindKV, Key: "k" + string(rune('a'+i%5)), Found: true, Version: v(i, i+1, "n1")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Merge(kv.Entry{Kind: kv.KindSet, Key: "s", Found: true, Elements: []int64{i}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	fi, _ := os.Stat(filepath.Join(dir, kv.LogName))
	if fi.Size() > 64<<10 {
		t.Fatalf("log is %d bytes after compaction at 4 KiB", fi.Size())
	}
	s, err = kv.OpenStore(dir, kv.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, _ := s.Get(kv.KindKV, "ke")
	set, _ := s.Get(kv.KindSet, "s")
	if *e.Version.Value != 499 || len(set.Elements) != 500 {
		t.Fatalf("after compaction: ke=%v, set has %d elements", *e.Version.Value, len(set.Elements))
	}
}
