package reports

import (
	"reflect"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestFaultsIntervals(t *testing.T) {
	var b builder
	b.nem(1*sec, history.Invoke, "start-partition", "bridge")
	b.nem(2*sec, history.OK, "start-partition", nil)
	b.nem(3*sec, history.Invoke, "stop-partition", nil)
	b.nem(4*sec, history.OK, "stop-partition", nil)
	b.nem(5*sec, history.Invoke, "kill", nil)
	b.nem(6*sec, history.OK, "kill", []string{"n2"})
	b.nem(7*sec, history.Invoke, "start", nil)
	b.nem(8*sec, history.OK, "start", []string{"n2"})
	// A failed start opens nothing.
	b.nem(9*sec, history.Invoke, "pause", nil)
	b.nem(10*sec, history.Fail, "pause", nil)
	// An info one opens an uncertain fault, closed by resume.
	b.nem(11*sec, history.Invoke, "pause", nil)
	b.nem(12*sec, history.Info, "pause", nil)
	b.nem(13*sec, history.Invoke, "resume", nil)
	b.nem(14*sec, history.OK, "resume", nil)
	// Two bumps extend one clock fault; heal closes it and the partition.
	b.nem(15*sec, history.Invoke, "bump-clock", nil)
	b.nem(16*sec, history.OK, "bump-clock", map[string]any{"offsets_ns": map[string]int64{"n1": 5e8}})
	b.nem(17*sec, history.Invoke, "start-partition", nil)
	b.nem(18*sec, history.OK, "start-partition", nil)
	b.nem(19*sec, history.Invoke, "strobe-clock", nil)
	b.nem(20*sec, history.OK, "strobe-clock", nil)
	b.nem(21*sec, history.Invoke, "heal", nil)
	b.nem(22*sec, history.OK, "heal", nil)
	// Never closed: runs to the end of the history, unhealed.
	b.nem(23*sec, history.Invoke, "kill", "one")
	b.nem(24*sec, history.OK, "kill", []string{"n1"})
	b.add(30*sec, 0, history.Invoke, "read", "k", nil, "")

	got := Faults(b.h)
	type iv struct {
		fam        string
		start, end int64
		healed     bool
		uncertain  bool
	}
	var gotIv []iv
	for _, f := range got {
		gotIv = append(gotIv, iv{f.Family, f.Start / sec, f.End / sec, f.Healed, f.Uncertain})
	}
	want := []iv{
		{"partition", 1, 4, true, false},
		{"kill", 5, 8, true, false},
		{"pause", 11, 14, true, true},
		{"clock", 15, 22, true, false},
		{"partition", 17, 22, true, false},
		{"kill", 23, 30, false, false},
	}
	if !reflect.DeepEqual(gotIv, want) {
		t.Fatalf("intervals:\n got %v\nwant %v", gotIv, want)
	}
	if got[0].Short != "partition bridge" || got[1].Short != "kill n2" || got[5].Short != "kill one n1" {
		t.Errorf("short labels: %q %q %q", got[0].Short, got[1].Short, got[5].Short)
	}
	if fams := faultFamilies(got); !reflect.DeepEqual(fams, []string{"partition", "kill", "pause", "clock"}) {
		t.Errorf("families %v", fams)
	}
	if n := len(faultAt(got, 18*sec)); n != 2 {
		t.Errorf("faults at 18s: %d, want 2 (clock and partition)", n)
	}
	if n := len(faultAt(got, 4*sec+1)); n != 0 {
		t.Errorf("faults just after 4s: %d, want 0", n)
	}
}

func TestFaultColoursDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, f := range []string{"partition", "kill", "pause", "clock", "other"} {
		h := FaultHex(f)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s and %s share colour %s", f, prev, h)
		}
		seen[h] = f
	}
}
