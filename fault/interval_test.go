package fault

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/faultline/faultline/history"
)

const sec = int64(1e9)

type builder struct{ h history.History }

func (b *builder) nem(t int64, typ history.Type, f string, v any) {
	b.h = append(b.h, history.Op{Index: int64(len(b.h)), Time: t, Process: history.Nemesis, Type: typ, F: f, Value: history.Raw(v)})
}

func (b *builder) client(t int64, typ history.Type, f string) {
	b.h = append(b.h, history.Op{Index: int64(len(b.h)), Time: t, Process: 0, Type: typ, F: f, Key: "k"})
}

type iv struct {
	fam        string
	start, end int64
	healed     bool
	uncertain  bool
	event      bool
}

func summarize(fs []Interval) []iv {
	var out []iv
	for _, f := range fs {
		out = append(out, iv{f.Family, f.Start / sec, f.End / sec, f.Healed, f.Uncertain, f.Event})
	}
	return out
}

func TestIntervals(t *testing.T) {
	var b builder
	b.nem(1*sec, history.Invoke, "start-partition", "bridge")
	b.nem(2*sec, history.OK, "start-partition", nil)
	b.nem(3*sec, history.Invoke, "stop-partition", nil)
	b.nem(4*sec, history.OK, "stop-partition", nil)
	b.nem(5*sec, history.Invoke, "kill", nil)
	b.nem(6*sec, history.OK, "kill", []string{"n2"})
	b.nem(7*sec, history.Invoke, "start", nil)
	b.nem(8*sec, history.OK, "start", []string{"n2"})
	// A failed pause opens nothing.
	b.nem(9*sec, history.Invoke, "pause", nil)
	b.nem(10*sec, history.Fail, "pause", nil)
	// An info one opens an uncertain fault, closed by resume.
	b.nem(11*sec, history.Invoke, "pause", nil)
	b.nem(12*sec, history.Info, "pause", nil)
	b.nem(13*sec, history.Invoke, "resume", nil)
	b.nem(14*sec, history.OK, "resume", nil)
	// Two clock ops extend one clock fault (an interval, not two points);
	// heal closes it and the partition.
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
	b.client(30*sec, history.Invoke, "read")

	got := Intervals(b.h)
	want := []iv{
		{"partition", 1, 4, true, false, false},
		{"kill", 5, 8, true, false, false},
		{"pause", 11, 14, true, true, false},
		{"clock", 15, 22, true, false, false},
		{"partition", 17, 22, true, false, false},
		{"kill", 23, 30, false, false, false},
	}
	if g := summarize(got); !reflect.DeepEqual(g, want) {
		t.Fatalf("intervals:\n got %v\nwant %v", g, want)
	}
	if got[0].Short != "partition bridge" || got[1].Short != "kill n2" || got[5].Short != "kill one n1" {
		t.Errorf("short labels: %q %q %q", got[0].Short, got[1].Short, got[5].Short)
	}
	if len(got[3].Opened) != 2 || got[3].Closed == nil || got[3].Closed.Invoke.F != Heal {
		t.Errorf("clock interval ops: opened %d, closed %v", len(got[3].Opened), got[3].Closed)
	}
	if fams := FamiliesOf(got); !reflect.DeepEqual(fams, []string{"partition", "kill", "pause", "clock"}) {
		t.Errorf("families %v", fams)
	}
	if n := len(At(got, 18*sec)); n != 2 {
		t.Errorf("faults at 18s: %d, want 2 (clock and partition)", n)
	}
	if n := len(At(got, 4*sec+1)); n != 0 {
		t.Errorf("faults just after 4s: %d, want 0", n)
	}
}

// A bare start after a kill that failed restarts nothing and opens
// nothing; Jepsen's own :start/:stop is a fault of its own family; an
// unknown start-X/stop-X is family X; any other op is an event.
func TestIntervalsConventions(t *testing.T) {
	var b builder
	b.nem(1*sec, history.Invoke, "kill", nil)
	b.nem(2*sec, history.Fail, "kill", nil)
	b.nem(3*sec, history.Invoke, "start", nil)
	b.nem(4*sec, history.OK, "start", nil)
	b.nem(5*sec, history.Invoke, "start-flood", nil)
	b.nem(6*sec, history.OK, "start-flood", nil)
	b.nem(7*sec, history.Invoke, "stop-flood", nil)
	b.nem(8*sec, history.OK, "stop-flood", nil)
	b.nem(9*sec, history.Invoke, "truncate-log", nil)
	b.nem(10*sec, history.Info, "truncate-log", nil)
	b.client(12*sec, history.Invoke, "read")
	want := []iv{
		{"flood", 5, 8, true, false, false},
		{"truncate-log", 9, 10, true, true, true},
	}
	if g := summarize(Intervals(b.h)); !reflect.DeepEqual(g, want) {
		t.Fatalf("intervals:\n got %v\nwant %v", g, want)
	}

	var j builder // a Jepsen partitioner's history
	j.nem(1*sec, history.Invoke, "start", nil)
	j.nem(2*sec, history.Info, "start", "Cut off {n1 #{n2 n3}}")
	j.nem(3*sec, history.Invoke, "stop", nil)
	j.nem(4*sec, history.Info, "stop", "fully connected")
	j.nem(5*sec, history.Invoke, "start", nil)
	j.client(9*sec, history.Invoke, "read")
	want = []iv{
		{"nemesis", 1, 4, true, true, false},
		{"nemesis", 5, 9, false, true, false},
	}
	if g := summarize(Intervals(j.h)); !reflect.DeepEqual(g, want) {
		t.Fatalf("jepsen intervals:\n got %v\nwant %v", g, want)
	}
}

// A family's colour is fixed by the table, whatever order faults appear
// in, and no two families share one.
func TestColoursFixedAndDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, f := range append(Families, Family{Name: "unknown-thing"}) {
		h := Hex(f.Name)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s and %s share colour %s", f.Name, prev, h)
		}
		seen[h] = f.Name
		if f.Name != "unknown-thing" && (len(f.Opens) == 0 || len(f.Closes) == 0 || f.Label == "") {
			t.Errorf("family %s: opens %v closes %v label %q: each needs all three", f.Name, f.Opens, f.Closes, f.Label)
		}
	}
	if Hex("kill") != "#8e24aa" || Tint("kill", 0) != "#8e24aa" || Tint("kill", 1) != "#ffffff" {
		t.Errorf("kill: hex %s, tints %s %s", Hex("kill"), Tint("kill", 0), Tint("kill", 1))
	}
}

func TestClassify(t *testing.T) {
	none := func(string) bool { return false }
	killed := func(f string) bool { return f == "kill" }
	for _, c := range []struct {
		f      string
		tried  func(string) bool
		family string
		role   Role
	}{
		{"heal", none, "", HealsAll},
		{"start", killed, "kill", Closes},
		{"start", none, "nemesis", Opens},
		{"strobe-clock", none, "clock", Opens},
		{"reset-clock", none, "clock", Closes},
		{"start-netem", none, "netem", Opens},
		{"start-x", none, "x", Opens},
		{"stop-x", none, "x", Closes},
		{"bounce", none, "bounce", Event},
	} {
		fam, r := Classify(c.f, c.tried)
		if fam != c.family || r != c.role {
			t.Errorf("Classify(%q): %q %v, want %q %v", c.f, fam, r, c.family, c.role)
		}
	}
	if got := Order([]string{"zeta", "clock", "partition", "alpha", "clock"}); !reflect.DeepEqual(got, []string{"partition", "clock", "alpha", "zeta"}) {
		t.Errorf("Order: %v", got)
	}
}

// Faults read in words: a clean split as its components, a bridge as the
// pairs cut apart, clock offsets in seconds per node.
func TestFaultWords(t *testing.T) {
	for _, c := range []struct {
		fam, value, want string
	}{
		{"partition", `{"n1":["n2","n3","n5"],"n4":["n2","n3","n5"],"n2":["n1","n4"],"n3":["n1","n4"],"n5":["n1","n4"]}`, "{n1,n4} | {n2,n3,n5}"},
		{"partition", `{"n1":["n2"],"n2":["n1"]}`, "{n1} | {n2}"},
		{"partition", `{"n1":["n3"],"n3":["n1"],"n2":[]}`, "cut: n1 ✕ n3"},
		{"clock", `{"set_ns":{"n2":-1468000000,"n1":250000000}}`, "n1 +0.250 s, n2 −1.468 s"},
		{"kill", `["n1","n3"]`, "n1, n3"},
	} {
		got, ok := words(c.fam, json.RawMessage(c.value))
		if !ok || got != c.want {
			t.Errorf("%s %s: %q, want %q", c.fam, c.value, got, c.want)
		}
	}
	if _, ok := words("partition", json.RawMessage(`"majority"`)); ok {
		t.Error("a value of another shape is not put in words")
	}
}
