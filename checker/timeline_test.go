package checker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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

// The queue model caps its timeline at DefaultFIFOMaxOps: a passing queue
// history longer than that is drawn as a window of its first ops, without
// handing it to an exponential verbose search, and the page says so.
func TestQueueTimelineCapped(t *testing.T) {
	var ops []history.Op
	for i := range DefaultFIFOMaxOps + 1 {
		v := string(history.Raw(i))
		ops = append(ops, qop(1, history.Invoke, "enqueue", v), qop(1, history.OK, "enqueue", v))
	}
	var buf bytes.Buffer
	ti, err := WriteTimeline(context.Background(), queueHistory(ops...), FIFOQueue(), &buf, TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := ti.Windows[""]
	if len(ti.Keys) != 1 || len(ti.Skipped) != 0 || !ok || w.From != 0 || w.To != DefaultFIFOMaxOps || w.Of != DefaultFIFOMaxOps+1 || w.Focused {
		t.Fatalf("a %d-op queue history: drawn %q, skipped %q, windows %+v; want its first %d ops drawn", DefaultFIFOMaxOps+1, ti.Keys, ti.Skipped, ti.Windows, DefaultFIFOMaxOps)
	}
	page := buf.String()
	last := fmt.Sprintf(`"Description":"enqueue(%d) -\u003e ok"`, DefaultFIFOMaxOps-1)
	past := fmt.Sprintf(`"Description":"enqueue(%d) -\u003e ok"`, DefaultFIFOMaxOps)
	if !strings.Contains(page, last) || strings.Contains(page, past) {
		t.Fatalf("the window's last op (%t) or the op past it (%t) is not where it should be", strings.Contains(page, last), strings.Contains(page, past))
	}
	if want := "drawn are ops 1–150 of 151, the first"; !strings.Contains(page, want) {
		t.Fatalf("the page does not say which ops it draws (%q)", want)
	}
	if !strings.Contains(page, unsearchedText) {
		t.Fatal("the window's states do not say it was not searched")
	}
}

// deepFIFOViolation is a queue history of about 2,400 ops, one ms apart,
// with a fifo-order violation two thirds in (1001 dequeued before 1000,
// enqueued before it), a failed enqueue and an info enqueue next to it.
func deepFIFOViolation() history.History {
	var ops []history.Op
	pair := func(p history.Process, f, arg string, typ history.Type, res string) {
		ops = append(ops, qop(p, history.Invoke, f, arg), qop(p, typ, f, res))
	}
	through := func(from, to int) {
		for i := from; i < to; i++ {
			v := strconv.Itoa(i)
			pair(0, "enqueue", v, history.OK, v)
			pair(1, "dequeue", "", history.OK, v)
		}
	}
	through(0, 400)
	pair(0, "enqueue", "1000", history.OK, "1000")
	pair(0, "enqueue", "1001", history.OK, "1001")
	pair(2, "enqueue", "2000", history.Fail, "2000")
	ops = append(ops, qop(3, history.Invoke, "enqueue", "3000"), qop(3, history.Info, "enqueue", "3000"))
	pair(1, "dequeue", "", history.OK, "1001")
	pair(1, "dequeue", "", history.OK, "1000")
	through(400, 600)
	h := queueHistory(ops...)
	for i := range h {
		h[i].Time = int64(i) * int64(time.Millisecond)
	}
	return h
}

// A queue history far longer than the queue's timeline cap, with a FIFO
// violation deep in it, draws a window around the violation: its ops are
// in the page (and ops far from it are not), marked, with times in
// seconds, the fail and info ops next to it visible and told apart, and
// the page opening at the marker.
func TestQueueTimelineWindowAroundViolation(t *testing.T) {
	h := deepFIFOViolation()
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	res := FIFO{}.Check(context.Background(), h)
	if res.Verdict != Invalid {
		t.Fatalf("%+v", res)
	}
	focus := FocusOf(res)
	f, ok := focus[""]
	if !ok || f.Label != string(AnomalyFIFOOrder) || len(f.Related) == 0 {
		t.Fatalf("focus %+v", focus)
	}
	var at history.Op // the dequeue at fault
	for _, o := range h {
		if o.Index == f.Index {
			at = o
		}
	}
	if at.F != "dequeue" || at.Type != history.Invoke || at.Index < 1000 {
		t.Fatalf("focus on %+v, want the invoke of a dequeue deep in the history", at)
	}
	var buf bytes.Buffer
	ti, err := WriteTimeline(context.Background(), h, FIFOQueue(), &buf, TimelineOptions{FailingKeys: IllegalKeys(res), Focus: focus})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := ti.Windows[""]
	if len(ti.Keys) != 1 || !ok || !w.Focused || w.To-w.From != DefaultFIFOMaxOps || w.At != at.Time || ti.Incomplete {
		t.Fatalf("timeline info %+v", ti)
	}
	page := buf.String()
	for _, want := range []string{
		`"Description":"dequeue() -\u003e 1001"`,   // the dequeue at fault
		`"Description":"enqueue(1000) -\u003e ok"`, // the values it involves
		`"Description":"enqueue(1001) -\u003e ok"`,
		`"Description":"enqueue(3000) -\u003e ? (info)"`, // an info op, told apart
		`"Description":"fail: enqueue 2000"`,             // a fail, drawn aside
		`"Tag":"anomaly"`, `"Description":"⚠ fifo-order"`,
		`"OriginalStart":"` + seconds(at.Time) + `"`,
		"drawn are " + w.String(),
		openAtMarkScript,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
	if strings.Contains(page, `"Description":"enqueue(0) -\u003e ok"`) {
		t.Error("the window holds the history's first op, far from the violation")
	}
	if !strings.HasPrefix(seconds(at.Time), "1.") || !strings.HasSuffix(seconds(at.Time), " s") {
		t.Errorf("the dequeue at fault, invoked %d ns in, reads %q", at.Time, seconds(at.Time))
	}
	if m := regexp.MustCompile(`"Original(Start|End)":"-?[0-9]+"`).FindString(page); m != "" {
		t.Errorf("a time is left in nanoseconds: %s", m)
	}
}

func TestSeconds(t *testing.T) {
	for ns, want := range map[int64]string{
		0: "0.000 s", 12_345_000_000: "12.345 s", 120_000: "0.00012 s", 1_500: "0.000002 s",
		41_200_000_000: "41.200 s", -2_000_000: "-0.002 s", 3_000_000_400: "3.000 s",
	} {
		if got := seconds(ns); got != want {
			t.Errorf("seconds(%d) = %q, want %q", ns, got, want)
		}
	}
}

// The nemesis's fault intervals read in seconds too.
func TestNemesisAnnotationsInSeconds(t *testing.T) {
	h := history.History{
		{Index: 0, Time: 1_250_000_000, Process: history.Nemesis, Type: history.Invoke, F: "kill"},
		{Index: 1, Time: 1_500_000_000, Process: history.Nemesis, Type: history.OK, F: "kill"},
	}
	as := nemesisAnnotations(h, 2_000_000_000)
	if len(as) != 1 || !strings.Contains(as[0].Details, "invoke kill at 1.250 s") || !strings.Contains(as[0].Details, "ok kill at 1.500 s") {
		t.Fatalf("annotations %+v", as)
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
