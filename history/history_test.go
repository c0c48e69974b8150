package history

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func line(idx int, proc string, typ, f string, extra string) string {
	return fmt.Sprintf(`{"index":%d,"time":%d,"process":%s,"type":%q,"f":%q%s}`, idx, idx*10, proc, typ, f, extra)
}

const good = `{"index":0,"time":0,"process":0,"type":"invoke","f":"write","key":"k","value":1}
{"index":1,"time":5,"process":"nemesis","type":"invoke","f":"start-partition"}
{"index":2,"time":9,"process":0,"type":"ok","f":"write","key":"k","value":1,"node":"n1"}
{"index":3,"time":12,"process":"nemesis","type":"ok","f":"start-partition","value":{"n1":["n2"]}}
{"index":4,"time":20,"process":1,"type":"invoke","f":"read","key":"k"}
`

func TestReadGood(t *testing.T) {
	h, info, err := ReadInfoFrom(strings.NewReader(good), "good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if info.Torn || len(h) != 5 || info.Ops != 5 {
		t.Fatalf("got %d ops, info %+v", len(h), info)
	}
	if h[1].Process != Nemesis || string(h[2].Value) != "1" || h[2].Node != "n1" {
		t.Fatalf("bad decode: %+v %+v", h[1], h[2])
	}
	pairs := h.Pairs()
	if len(pairs) != 3 {
		t.Fatalf("pairs: %d", len(pairs))
	}
	if pairs[0].Completion == nil || pairs[0].Completion.Index != 2 || pairs[0].Type() != OK {
		t.Fatalf("pair 0: %+v", pairs[0])
	}
	if pairs[1].Completion == nil || pairs[1].Completion.Index != 3 {
		t.Fatalf("nemesis pair: %+v", pairs[1])
	}
	if !pairs[2].Open() || pairs[2].Type() != Info {
		t.Fatalf("open pair: %+v", pairs[2])
	}
	if n := len(h.Client()); n != 3 {
		t.Fatalf("client ops %d", n)
	}
	if n := len(h.NemesisOps()); n != 2 {
		t.Fatalf("nemesis ops %d", n)
	}
	if ks := h.Keys(); len(ks) != 1 || ks[0] != "k" || len(h.ByKey()["k"]) != 3 {
		t.Fatalf("keys %v", ks)
	}
}

func TestTornTail(t *testing.T) {
	for _, cut := range []int{1, 5, 20, 40} {
		in := good + line(5, "2", "invoke", "read", "") + "\n" + line(6, "3", "invoke", "read", "")[:cut]
		h, info, err := ReadInfoFrom(strings.NewReader(in), "torn.jsonl")
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if !info.Torn || len(h) != 6 {
			t.Fatalf("cut %d: torn=%v ops=%d", cut, info.Torn, len(h))
		}
	}
	// A complete last line without its newline is kept.
	h, info, err := ReadInfoFrom(strings.NewReader(strings.TrimSuffix(good, "\n")), "x")
	if err != nil || info.Torn || len(h) != 5 {
		t.Fatalf("no trailing newline: %v %+v %d", err, info, len(h))
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		want     string
	}{
		{"garbage-middle", good[:len(good)-1] + "\nnot json\n" + line(6, "1", "ok", "read", "") + "\n", 6, "not a JSON object"},
		{"torn-not-last", line(0, "0", "invoke", "read", "")[:10] + "\n" + line(1, "1", "invoke", "read", "") + "\n", 1, "not a JSON object"},
		{"unknown-type", line(0, "0", "begin", "read", "") + "\n", 1, `unknown type "begin"`},
		{"missing-process", `{"index":0,"time":0,"type":"invoke","f":"read"}` + "\n", 1, "missing field process"},
		{"bad-process", line(0, `"bob"`, "invoke", "read", "") + "\n", 1, "process"},
		{"negative-process", line(0, "-3", "invoke", "read", "") + "\n", 1, "process"},
		{"array", "[1,2]\n", 1, "not an object"},
		{"index-gap", line(0, "0", "invoke", "read", "") + "\n" + line(2, "1", "invoke", "read", "") + "\n", 2, "index 2 where 1 was expected"},
		{"index-dup", line(0, "0", "invoke", "read", "") + "\n" + line(0, "1", "invoke", "read", "") + "\n", 2, "index 0 where 1 was expected"},
		{"orphan-completion", line(0, "0", "ok", "read", "") + "\n", 1, "has no open invoke"},
		{"double-invoke", line(0, "0", "invoke", "read", "") + "\n" + line(1, "0", "invoke", "write", "") + "\n", 2, "still open"},
		{"f-mismatch", line(0, "0", "invoke", "read", "") + "\n" + line(1, "0", "ok", "write", "") + "\n", 2, "completes an invoke of read"},
		{"nemesis-orphan", line(0, `"nemesis"`, "ok", "kill", "") + "\n", 1, "nemesis ok of kill"},
		{"empty-line", line(0, "0", "invoke", "read", "") + "\n\n" + line(1, "1", "invoke", "read", "") + "\n", 2, "empty line"},
		{"bad-time", `{"index":0,"time":"x","process":0,"type":"invoke","f":"read"}` + "\n", 1, "field time"},
		{"invalid-last-with-newline", line(0, "0", "invoke", "read", "") + "\n{\"ind\n", 2, "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "h.jsonl")
			if err == nil {
				t.Fatal("read a malformed history without error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			prefix := fmt.Sprintf("history: h.jsonl line %d: ", c.line)
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want prefix %q and %q", err, prefix, c.want)
			}
			if !strings.Contains(err.Error(), "(") {
				t.Fatalf("error %q has no fix", err)
			}
		})
	}
}

func TestNemesisMayOverlap(t *testing.T) {
	in := line(0, `"nemesis"`, "invoke", "start-partition", "") + "\n" +
		line(1, `"nemesis"`, "invoke", "kill", "") + "\n" +
		line(2, `"nemesis"`, "info", "start-partition", "") + "\n" +
		line(3, `"nemesis"`, "ok", "kill", "") + "\n"
	h, err := Read(strings.NewReader(in), "n")
	if err != nil {
		t.Fatal(err)
	}
	p := h.Pairs()
	if len(p) != 2 || p[0].Completion.Index != 2 || p[1].Completion.Index != 3 {
		t.Fatalf("pairs %+v", p)
	}
}

func TestWriterRoundTripConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 8, 200
	var wg sync.WaitGroup
	seen := make([][]int64, workers)
	for p := 0; p < workers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				inv, err := w.Record(Op{Process: Process(p), Type: Invoke, F: "write", Key: "k", Value: Raw(i)})
				if err != nil {
					t.Error(err)
					return
				}
				done, err := w.Record(inv.Complete(OK, inv.Value, ""))
				if err != nil {
					t.Error(err)
					return
				}
				seen[p] = append(seen[p], inv.Index, done.Index)
			}
		}(p)
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != workers*per*2 {
		t.Fatalf("read %d ops, want %d", len(h), workers*per*2)
	}
	for i := 1; i < len(h); i++ {
		if h[i].Time < h[i-1].Time {
			t.Fatalf("time decreases at index %d", i)
		}
	}
	for p, idx := range seen {
		for _, i := range idx {
			if h[i].Process != Process(p) {
				t.Fatalf("Append returned index %d for process %d, file has process %d", i, p, h[i].Process)
			}
		}
	}
	if _, err := w.Append(Op{Type: Invoke, F: "read"}); err == nil {
		t.Fatal("append after close succeeded")
	}
}

func TestWriterCrashSafety(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	for i := 0; i < 10; i++ {
		if _, err := w.Append(Op{Time: int64(i), Process: Process(i), Type: Invoke, F: "read"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// Simulate a crash mid-line: the file on disk is what a SIGKILL leaves.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Read(bytes.NewReader(b), path)
	if err != nil || len(h) != 10 {
		t.Fatalf("after Flush without Close: %d ops, %v", len(h), err)
	}
	torn := append(b, []byte(`{"index":10,"time":10,"pro`)...)
	h, info, err := ReadInfoFrom(bytes.NewReader(torn), path)
	if err != nil || !info.Torn || len(h) != 10 {
		t.Fatalf("torn crash file: %d ops, %+v, %v", len(h), info, err)
	}
}

func TestWriterRefusesBadValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append(Op{Type: Invoke, F: "write", Value: []byte("{not json")}); err == nil {
		t.Fatal("bad value accepted")
	}
	op, err := w.Append(Op{Type: Invoke, F: "write", Value: Raw(3)})
	if err != nil || op.Index != 0 {
		t.Fatalf("after a refused op: %+v %v", op, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if h, err := ReadFile(path); err != nil || len(h) != 1 {
		t.Fatalf("%d ops, %v", len(h), err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(good + `{"index":5,"ti`))
	f.Add([]byte(line(0, `"nemesis"`, "ok", "kill", "") + "\n"))
	f.Add([]byte("[1]\n\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, info, err := ReadInfoFrom(bytes.NewReader(b), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		if info.Ops != len(h) {
			t.Fatalf("info.Ops %d, len %d", info.Ops, len(h))
		}
		for i, o := range h {
			if o.Index != int64(i) {
				t.Fatalf("op %d has index %d", i, o.Index)
			}
		}
		_ = h.Pairs()
	})
}

// Keys that differ only in bytes encoding/json would replace by U+FFFD
// are refused, never merged into one key.
func TestReadRefusesTextThatWouldMerge(t *testing.T) {
	ok := `{"index":0,"time":1,"process":0,"type":"invoke","f":"read","key":"k\ud83d\ude00"}` + "\n"
	if _, err := Read(strings.NewReader(ok), "ok.jsonl"); err != nil {
		t.Fatalf("a surrogate pair is a valid escape: %v", err)
	}
	for name, line := range map[string]string{
		"invalid UTF-8": "{\"index\":0,\"time\":1,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\xff\"}\n",
		"lone high":     `{"index":0,"time":1,"process":0,"type":"invoke","f":"read","key":"k\ud800"}` + "\n",
		"lone low":      `{"index":0,"time":1,"process":0,"type":"invoke","f":"read","key":"k\udc01x"}` + "\n",
	} {
		_, err := Read(strings.NewReader(line), "h.jsonl")
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "h.jsonl line 1") {
			t.Errorf("%s: %v, want a malformed-line error naming h.jsonl line 1", name, err)
		}
	}
}

// FuzzKeysNeverMerge: two one-op histories whose keys differ are read as
// different keys, or one of them is refused.
func FuzzKeysNeverMerge(f *testing.F) {
	f.Add([]byte("k\xff"), []byte("k\xfe"))
	f.Add([]byte(`k\ud800`), []byte(`k\udc00`))
	f.Add([]byte("a"), []byte("b"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if string(a) == string(b) {
			return
		}
		read := func(k []byte) (string, bool) {
			line := append([]byte(`{"index":0,"time":1,"process":0,"type":"invoke","f":"read","key":"`), k...)
			line = append(line, "\"}\n"...)
			h, err := Read(bytes.NewReader(line), "f.jsonl")
			if err != nil || len(h) != 1 {
				return "", false
			}
			return h[0].Key, true
		}
		ka, okA := read(a)
		kb, okB := read(b)
		for _, r := range []struct {
			raw []byte
			key string
			ok  bool
		}{{a, ka, okA}, {b, kb, okB}} {
			if r.ok && (invalidText(r.raw) >= 0 || !utf8.ValidString(r.key)) {
				t.Fatalf("key spelled %q accepted as %q: its bytes would merge with another key's", r.raw, r.key)
			}
		}
	})
}

// Impossible times are refused naming the line: negative, beyond any run
// faultline accepts, or a completion before its invoke.
func TestReadRefusesImpossibleTimes(t *testing.T) {
	for name, body := range map[string]string{
		"negative": `{"index":0,"time":-5,"process":0,"type":"invoke","f":"read","key":"k"}` + "\n",
		"huge":     `{"index":0,"time":9223372036854775000,"process":0,"type":"invoke","f":"read","key":"k"}` + "\n",
		"backwards": `{"index":0,"time":100,"process":0,"type":"invoke","f":"read","key":"k"}` + "\n" +
			`{"index":1,"time":50,"process":0,"type":"ok","f":"read","key":"k"}` + "\n",
	} {
		_, err := Read(strings.NewReader(body), "t.jsonl")
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "time") {
			t.Errorf("%s: %v, want a malformed-line error about the time", name, err)
		}
	}
}

// A line past MaxLine is refused naming it, without reading on.
func TestReadRefusesHugeLines(t *testing.T) {
	huge := `{"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"k","value":"` + strings.Repeat("x", MaxLine+10) + `"}` + "\n"
	_, err := Read(strings.NewReader(huge), "big.jsonl")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "big.jsonl line 1") || len(err.Error()) > 300 {
		t.Fatalf("%.300v", err)
	}
}

// An error echoes at most a few hundred bytes of the input, on one line.
func TestErrorsClipWhatTheyEcho(t *testing.T) {
	e := &MalformedError{File: "h.jsonl", Line: 3, What: "value " + strings.Repeat("é\n", 1<<20)}
	msg := e.Error()
	if len(msg) > 500 || strings.Contains(msg, "\n") || !utf8.ValidString(msg) || !strings.Contains(msg, "more bytes") {
		t.Fatalf("%d bytes: %.200q", len(msg), msg)
	}
}
