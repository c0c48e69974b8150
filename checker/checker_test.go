package checker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

type fixed struct {
	name string
	r    Result
}

func (f fixed) Name() string                                  { return f.name }
func (f fixed) Check(context.Context, history.History) Result { return f.r }

type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Check(context.Context, history.History) Result {
	var m map[string]int
	m["boom"]++ // a nil-map write: a real runtime panic
	return Result{Verdict: Valid}
}

func TestRunPanicIsUnknown(t *testing.T) {
	rs := Run(context.Background(), nil, fixed{"a", Result{Verdict: Valid}}, panicky{})
	if rs.Verdict != Unknown {
		t.Fatalf("verdict %s, want unknown", rs.Verdict)
	}
	p := rs.Checkers["panicky"]
	if p.Verdict != Unknown || !strings.Contains(p.Summary, "panicked") || !strings.Contains(p.Summary, "nil map") {
		t.Fatalf("panic result %+v", p)
	}
	rs = Run(context.Background(), nil, fixed{"a", Result{Verdict: Invalid}}, panicky{})
	if rs.Verdict != Invalid {
		t.Fatalf("invalid and a panic: %s", rs.Verdict)
	}
}

func TestRunNamesAndBadVerdicts(t *testing.T) {
	rs := Run(context.Background(), nil, fixed{"a", Result{Verdict: Valid}}, fixed{"a", Result{Verdict: "maybe"}})
	if len(rs.Checkers) != 2 || rs.Checkers["a-2"].Verdict != Unknown || rs.Verdict != Unknown {
		t.Fatalf("%+v", rs)
	}
	if rs := Run(context.Background(), nil); rs.Verdict != Unknown {
		t.Fatalf("no checkers: %s", rs.Verdict)
	}
}

// pathological: n overlapping writes and a read, inside them, of a value
// nobody wrote. Porcupine must try every subset of the writes before it can
// call it illegal: 2^n states.
func pathological(n int) history.History {
	var h history.History
	add := func(o history.Op) {
		o.Index, o.Time = int64(len(h)), int64(len(h))
		h = append(h, o)
	}
	for i := range n {
		add(history.Op{Process: history.Process(i), Type: history.Invoke, F: "write", Key: "k", Value: history.Raw(i)})
	}
	add(history.Op{Process: history.Process(n), Type: history.Invoke, F: "read", Key: "k"})
	add(history.Op{Process: history.Process(n), Type: history.OK, F: "read", Key: "k", Value: history.Raw(-1)})
	for i := range n {
		add(history.Op{Process: history.Process(i), Type: history.OK, F: "write", Key: "k", Value: history.Raw(i)})
	}
	return h
}

func TestTimeoutIsUnknown(t *testing.T) {
	res := Linearizable{Model: CASRegister(), Timeout: 20 * time.Millisecond}.Check(context.Background(), pathological(40))
	if res.Verdict != Unknown || !strings.Contains(res.Summary, "timed out") {
		t.Fatalf("%+v", res)
	}
	if ks, _ := res.Details["unknown_keys"].([]string); len(ks) != 1 || ks[0] != "k" {
		t.Fatalf("unknown keys %v", res.Details["unknown_keys"])
	}
	// The same history small enough to finish is invalid: the timeout, not
	// the history, made the verdict unknown.
	res = Linearizable{Model: CASRegister()}.Check(context.Background(), pathological(6))
	if res.Verdict != Invalid {
		t.Fatalf("small pathological: %+v", res)
	}
}

func TestCancelledIsUnknown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := Linearizable{Model: CASRegister()}.Check(ctx, pathological(40))
	if res.Verdict != Unknown || !strings.Contains(res.Summary, "cancelled") {
		t.Fatalf("%+v", res)
	}
}

func TestTooLittleActivity(t *testing.T) {
	h := history.History{
		{Index: 0, Time: 0, Process: 0, Type: history.Invoke, F: "write", Key: "k", Value: history.Raw(1)},
		{Index: 1, Time: 1, Process: 0, Type: history.Info, F: "write", Key: "k", Value: history.Raw(1)},
	}
	res := Linearizable{Model: CASRegister()}.Check(context.Background(), h)
	if res.Verdict != Unknown || !strings.Contains(res.Summary, "too little activity") {
		t.Fatalf("%+v", res)
	}
	h2, err := history.ReadFile("testdata/register-ok-01-sequential.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if res := (Linearizable{Model: CASRegister(), MinOK: 5}).Check(context.Background(), h2); res.Verdict != Unknown {
		t.Fatalf("4 ok ops with MinOK 5: %+v", res)
	}
	if res := (Linearizable{Model: CASRegister(), MinOK: 4}).Check(context.Background(), h2); res.Verdict != Valid {
		t.Fatalf("4 ok ops with MinOK 4: %+v", res)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	_, err := AnalyzeFile(ctx, "testdata/register-ok-01-sequential.jsonl", "queue-ish", "jsonl", Linearizable{})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "--model") || !strings.Contains(err.Error(), "cas-register, kv") {
		t.Fatalf("unknown model: %v", err)
	}
	_, err = AnalyzeFile(ctx, "testdata/register-ok-01-sequential.jsonl", "kv", "xml", Linearizable{})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "--format") || !strings.Contains(err.Error(), "jsonl, jepsen, edn") {
		t.Fatalf("unknown format: %v", err)
	}
	// A register history read as kv: write is not a kv function.
	_, err = AnalyzeFile(ctx, "testdata/register-ok-01-sequential.jsonl", "kv", "jsonl", Linearizable{})
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "op 0") {
		t.Fatalf("wrong model: %v", err)
	}
	// A malformed file keeps its own sentinel.
	_, err = AnalyzeFile(ctx, fixtures+"/kv/c01-ok.txt", "kv", "jsonl", Linearizable{})
	if !errors.Is(err, history.ErrMalformed) {
		t.Fatalf("edn read as jsonl: %v", err)
	}
	// Check (not AnalyzeFile) reports the same as unknown, never valid.
	h := history.History{
		{Index: 0, Process: 0, Type: history.Invoke, F: "cas", Key: "k", Value: history.Raw(3)},
		{Index: 1, Process: 0, Type: history.OK, F: "cas", Key: "k", Value: history.Raw(3)},
	}
	if res := (Linearizable{Model: CASRegister()}).Check(ctx, h); res.Verdict != Unknown || !strings.Contains(res.Summary, "[old,new]") {
		t.Fatalf("%+v", res)
	}
	if res := (Linearizable{}).Check(ctx, h); res.Verdict != Unknown {
		t.Fatalf("zero model: %+v", res)
	}
}

func TestKVModel(t *testing.T) {
	mk := func(lines ...string) history.History {
		var h history.History
		for i, l := range lines {
			var p int
			var typ, f, key, val string
			fmt.Sscanf(l, "%d %s %s %s %s", &p, &typ, &f, &key, &val)
			o := history.Op{Index: int64(i), Time: int64(i), Process: history.Process(p), Type: history.Type(typ), F: f, Key: key}
			if val != "" {
				o.Value = history.Raw(val)
			}
			h = append(h, o)
		}
		return h
	}
	ok := mk("0 invoke put k a", "0 ok put k a", "0 invoke append k b", "0 info append k b",
		"1 invoke get k", "1 ok get k ab", "1 invoke get k", "1 ok get k ab")
	if res := (Linearizable{Model: KV()}).Check(context.Background(), ok); res.Verdict != Valid {
		t.Fatalf("%+v", res)
	}
	bad := mk("0 invoke put k a", "0 ok put k a", "0 invoke append k b", "0 ok append k b",
		"1 invoke get k", "1 ok get k a")
	if res := (Linearizable{Model: KV()}).Check(context.Background(), bad); res.Verdict != Invalid || !strings.Contains(res.Summary, `get("k") -> "a"`) {
		t.Fatalf("%+v", res)
	}
}

func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	Linearizable{Model: CASRegister(), Timeout: 10 * time.Millisecond}.Check(context.Background(), pathological(40))
	Linearizable{Model: CASRegister()}.Check(context.Background(), pathological(6))
	// porcupine's search goroutine has sent its result when Check returns
	// but may still be in goexit: give finished goroutines a moment to go;
	// a leaked (blocked) one stays and fails the test.
	after := runtime.NumGoroutine()
	for i := 0; i < 200 && after > before; i++ {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
