package checker

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

func TestTimelineFailingFirstWithNemesis(t *testing.T) {
	bad, err := history.ReadFile("testdata/register-bad-one-key-of-two.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Add a partition and a kill that is never healed, after the client ops.
	end := bad[len(bad)-1].Time
	for i, o := range []history.Op{
		{Process: history.Nemesis, Type: history.Invoke, F: "start-partition"},
		{Process: history.Nemesis, Type: history.OK, F: "start-partition", Value: history.Raw(map[string][]string{"n1": {"n2"}})},
		{Process: history.Nemesis, Type: history.Invoke, F: "kill"},
		{Process: history.Nemesis, Type: history.OK, F: "kill"},
		{Process: history.Nemesis, Type: history.Invoke, F: "stop-partition"},
		{Process: history.Nemesis, Type: history.OK, F: "stop-partition"},
	} {
		o.Index, o.Time = int64(len(bad)), end+int64(i+1)
		bad = append(bad, o)
	}
	if err := bad.Validate(); err != nil {
		t.Fatal(err)
	}
	res := Linearizable{Model: CASRegister()}.Check(context.Background(), bad)
	if res.Verdict != Invalid {
		t.Fatalf("%+v", res)
	}
	var buf bytes.Buffer
	ti, err := WriteTimeline(context.Background(), bad, CASRegister(), &buf, TimelineOptions{FailingKeys: IllegalKeys(res)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ti.Keys) != 2 || ti.Keys[0] != "y" || ti.Keys[1] != "x" || ti.Incomplete {
		t.Fatalf("timeline info %+v", ti)
	}
	out := buf.String()
	y := strings.Index(out, `read(\"y\")`)
	x := strings.Index(out, `read(\"x\")`)
	if !strings.Contains(out, "<html") || y < 0 || x < 0 || y > x {
		t.Fatalf("failing key y not drawn before x (y at %d, x at %d)", y, x)
	}
	for _, want := range []string{`"Description":"partition"`, `never healed`, `"Tag":"nemesis"`, `n1`} {
		if !strings.Contains(out, want) {
			t.Fatalf("timeline lacks %s", want)
		}
	}
}

func TestTimelineBoundedSample(t *testing.T) {
	var h history.History
	for k := range 30 {
		for _, o := range []history.Op{
			{Process: 0, Type: history.Invoke, F: "write", Value: history.Raw(k)},
			{Process: 0, Type: history.OK, F: "write", Value: history.Raw(k)},
		} {
			o.Key = string(rune('a'+k%26)) + string(rune('0'+k/26))
			o.Index, o.Time = int64(len(h)), int64(len(h))
			h = append(h, o)
		}
	}
	path := filepath.Join(t.TempDir(), "timeline.html")
	ti, err := WriteTimelineFile(context.Background(), h, CASRegister(), path, TimelineOptions{FailingKeys: []string{"q0", "nope"}, MaxPassing: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(ti.Keys) != 5 || ti.Keys[0] != "q0" {
		t.Fatalf("keys %v", ti.Keys)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no file: %v", err)
	}
}

func TestNemesisAnnotationsPairing(t *testing.T) {
	var h history.History
	add := func(f string, typ history.Type) {
		h = append(h, history.Op{Index: int64(len(h)), Time: int64(len(h)) * 10, Process: history.Nemesis, Type: typ, F: f})
	}
	add("pause", history.Invoke)
	add("pause", history.OK)
	add("kill", history.Invoke)
	add("kill", history.OK)
	add("start", history.Invoke) // closes kill
	add("start", history.OK)
	add("resume", history.Invoke)
	add("resume", history.OK)
	add("bump-clock", history.Invoke) // an interval, closed by the final heal
	add("bump-clock", history.OK)
	add("strobe-clock", history.Invoke) // extends it
	add("strobe-clock", history.OK)
	add("start-partition", history.Invoke)
	add("start-partition", history.OK)
	add("heal", history.Invoke) // closes both
	add("heal", history.OK)
	add("truncate-log", history.Invoke) // an event of its own
	add("truncate-log", history.Info)
	as := nemesisAnnotations(h, 1000)
	got := map[string][2]int64{}
	colour := map[string]string{}
	for _, a := range as {
		got[a.Description] = [2]int64{a.Start, a.End}
		colour[a.Description] = a.BackgroundColor
	}
	want := map[string][2]int64{"pause": {0, 70}, "kill": {20, 50}, "clock": {80, 150}, "partition": {120, 150},
		"truncate-log (may not have taken effect)": {160, 170}}
	if len(got) != len(want) {
		t.Fatalf("annotations %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: got %v want %v (all %v)", k, got[k], v, got)
		}
	}
	// Colours are the family's, whatever order the faults came in.
	for _, fam := range []string{"pause", "kill", "clock", "partition"} {
		if colour[fam] != fault.Tint(fam, 0.6) {
			t.Errorf("%s drawn in %s, want its family's %s", fam, colour[fam], fault.Tint(fam, 0.6))
		}
	}
}

func TestTimelineEtcd(t *testing.T) {
	h, err := ReadHistory(fixtures+"/jepsen-etcd/etcd_000.log", "jepsen")
	if err != nil {
		t.Fatal(err)
	}
	res := Linearizable{Model: CASRegister()}.Check(context.Background(), h)
	var buf bytes.Buffer
	ti, err := WriteTimeline(context.Background(), h, CASRegister(), &buf, TimelineOptions{FailingKeys: IllegalKeys(res)})
	if err != nil || len(ti.Keys) != 1 || ti.Incomplete {
		t.Fatalf("%+v %v", ti, err)
	}
	if !strings.Contains(buf.String(), `"PartialLinearizations":[[`) {
		t.Fatal("timeline of an invalid history has no partial linearization")
	}
}

func TestTimelineMaxOpsSkipsKeysThatDoNotFit(t *testing.T) {
	h, err := history.ReadFile("testdata/register-ok-07-keys-and-nemesis.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	prep, err := CASRegister().prepare(h)
	if err != nil {
		t.Fatal(err)
	}
	keys := sortedKeys(prep.keys)
	if len(keys) < 2 {
		t.Fatalf("fixture has %d keys, want several", len(keys))
	}
	first := len(prep.keys[keys[0]])
	var buf bytes.Buffer
	ti, err := WriteTimeline(context.Background(), h, CASRegister(), &buf, TimelineOptions{FailingKeys: keys[:1], MaxOps: first})
	if err != nil {
		t.Fatal(err)
	}
	if len(ti.Keys) != 1 || ti.Keys[0] != keys[0] || len(ti.Skipped) != len(keys)-1 {
		t.Fatalf("MaxOps %d: drew %q, skipped %q; want only %q drawn", first, ti.Keys, ti.Skipped, keys[0])
	}
}

// The queue model caps its timeline at DefaultFIFOMaxOps: a queue
// history longer than DefaultFIFOMaxOps is listed as skipped, not handed to
// an exponential verbose search.
func TestQueueTimelineCapped(t *testing.T) {
	var ops []history.Op
	for i := range DefaultFIFOMaxOps + 1 {
		v := string(history.Raw(i))
		ops = append(ops, qop(1, history.Invoke, "enqueue", v), qop(1, history.OK, "enqueue", v))
	}
	ti, err := WriteTimeline(context.Background(), queueHistory(ops...), FIFOQueue(), io.Discard, TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ti.Keys) != 0 || len(ti.Skipped) != 1 {
		t.Fatalf("a %d-op queue history: drawn %q, skipped %q; want it skipped", DefaultFIFOMaxOps+1, ti.Keys, ti.Skipped)
	}
}

// Nothing from the history reaches the timeline's innerHTML as markup: the
// node name, error text and values a hostile history carries are escaped
// in the state descriptions and op metadata.
func TestTimelineEscapesHistoryText(t *testing.T) {
	const payload = `<img src=x onerror=alert(1)>`
	h := history.History{
		{Index: 0, Time: 0, Process: 0, Type: history.Invoke, F: "put", Key: "k", Value: history.Raw(payload)},
		{Index: 1, Time: 10, Process: 0, Type: history.OK, F: "put", Key: "k", Value: history.Raw(payload), Node: payload},
		{Index: 2, Time: 20, Process: 1, Type: history.Invoke, F: "get", Key: "k"},
		{Index: 3, Time: 30, Process: 1, Type: history.Info, F: "get", Key: "k", Node: "n2", Error: payload},
	}
	var buf bytes.Buffer
	if _, err := WriteTimeline(context.Background(), h, KV(), &buf, TimelineOptions{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// porcupine embeds its data as JSON, where '<' is \u003c: find the
	// descriptions that go to innerHTML and check none has a raw '<'.
	for _, field := range []string{`"Metadata":"`, `"StateDescription":"`} {
		for rest := page; ; {
			i := strings.Index(rest, field)
			if i < 0 {
				break
			}
			rest = rest[i+len(field):]
			end := strings.Index(rest, `"`)
			if v := rest[:end]; strings.Contains(v, `\u003c`) || strings.Contains(v, "<") {
				t.Fatalf("%s%s\" reaches innerHTML unescaped", field, v)
			}
		}
	}
	if !strings.Contains(page, `\u0026lt;img`) {
		t.Fatal("the payload's escaped form is not in the page: was the op drawn at all?")
	}
}
