package reports

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// A queue run far longer than the queue timeline's cap, with a FIFO
// violation deep in it: timeline.html draws the ops around the violation
// (not an empty page), says which ones, and reads times in seconds, also
// when the results are read back from results.json.
func TestQueueTimelineAroundDeepViolation(t *testing.T) {
	var b builder
	at := int64(0)
	pair := func(p history.Process, f string, arg, res any) {
		at += 1e6
		b.add(at, p, history.Invoke, f, "", arg, "")
		at += 1e6
		b.add(at, p, history.OK, f, "", res, "")
	}
	for i := range 500 {
		pair(0, "enqueue", i, i)
		pair(1, "dequeue", nil, i)
		if i == 400 { // 1001 overtakes 1000, enqueued before it
			pair(0, "enqueue", 1000, 1000)
			pair(0, "enqueue", 1001, 1001)
			pair(1, "dequeue", nil, 1001)
			pair(1, "dequeue", nil, 1000)
		}
	}
	h := b.h
	res := checker.Run(context.Background(), h, checker.FIFO{})
	if res.Verdict != checker.Invalid {
		t.Fatalf("fixture: verdict %s (%+v)", res.Verdict, res)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var stored checker.Results // as read back from results.json
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "queue-naive-queue", "20260101T000000.000")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteWith(context.Background(), dir, h, stored, Options{Model: "queue", Budget: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	tl, err := os.ReadFile(filepath.Join(dir, rundir.TimelineFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(tl)
	var atFault history.Op
	for _, o := range h {
		if o.F == "dequeue" && o.Type == history.OK && string(o.Value) == "1001" {
			atFault = o
		}
	}
	for _, want := range []string{
		`<a href="index.html">← run report</a>`, "verdict <b>invalid</b>",
		`"Description":"dequeue() -\u003e 1001"`, `"Description":"enqueue(1000) -\u003e ok"`,
		`"Description":"⚠ fifo-order"`,
		"around the anomaly at 1.6", "of 1,004", "Times are seconds since the run started.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline.html lacks %s", want)
		}
	}
	if strings.Contains(page, `"Description":"enqueue(0) -\u003e ok"`) || strings.Contains(page, "nanoseconds") {
		t.Error("timeline.html draws the history's first ops, or times in nanoseconds")
	}
	if s := strconv.FormatInt(atFault.Time, 10); strings.Contains(page, `"OriginalEnd":"`+s+`"`) {
		t.Errorf("the dequeue at fault returns at %s ns, not in seconds", s)
	}
}
