package run

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	p := NewProgress(&bytes.Buffer{})
	if p.Terminal() {
		t.Fatal("a buffer is not a terminal")
	}
	s := ProgressSnapshot{Elapsed: 5 * time.Second, Limit: 20 * time.Second, Invokes: 500, OK: 400, Fail: 50, Info: 3, Fault: "start-partition"}
	want := "5s/20s (15s left)  100 ops/s  ok 400  fail 50  info 3  fault: start-partition"
	if got := p.Line(s); got != want {
		t.Fatalf("first line\n got %q\nwant %q", got, want)
	}
	// The rate is over the last interval, not since the start.
	s.Elapsed, s.Invokes, s.Fault = 10*time.Second, 1500, ""
	if got := p.Line(s); !strings.Contains(got, "  200 ops/s  ") || !strings.HasSuffix(got, "fault: none") {
		t.Fatalf("second line %q", got)
	}
}

func TestProgressPlainHasNoControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf)
	p.every = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	p.Run(ctx, func() ProgressSnapshot {
		calls++
		if calls == 3 {
			cancel()
		}
		p.Printf("nemesis: kill")
		return ProgressSnapshot{Elapsed: time.Duration(calls) * time.Second, Limit: 10 * time.Second, Invokes: int64(calls)}
	})
	out := buf.String()
	if strings.ContainsAny(out, "\r\x1b") {
		t.Fatalf("plain output has control characters: %q", out)
	}
	if n := strings.Count(out, "ops/s"); n < 2 {
		t.Fatalf("%d status lines, want at least 2: %q", n, out)
	}
	if !strings.Contains(out, "nemesis: kill\n") {
		t.Fatalf("message lost: %q", out)
	}
}

func TestProgressTerminalRedrawsLiveLine(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf)
	p.tty, p.every = true, time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	p.Run(ctx, func() ProgressSnapshot {
		cancel()
		return ProgressSnapshot{Elapsed: time.Second, Limit: 2 * time.Second}
	})
	out := buf.String()
	if !strings.HasPrefix(out, "\r\x1b[K1s/2s") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Fatalf("live line output %q: want drawn in place, then cleared", out)
	}
	buf.Reset()
	p.live = "LIVE"
	p.Printf("nemesis: pause")
	if got := buf.String(); got != "\r\x1b[Knemesis: pause\nLIVE" {
		t.Fatalf("message on a terminal: %q", got)
	}
}
