package run

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// ProgressSnapshot is the workload's state at one moment.
type ProgressSnapshot struct {
	Elapsed, Limit time.Duration
	Invokes        int64 // client ops invoked so far
	OK, Fail, Info int64 // client ops completed so far, by outcome
	Fault          string
}

// Progress reports a running workload on the status writer. On a terminal
// it keeps one live line, redrawn in place twice a second; anywhere else
// (a file, a pipe, CI) it writes a plain line every Every, with no control
// characters. Other status messages go through Printf so that they never
// interleave with the live line.
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu       sync.Mutex
	live     string // the live line on screen; "" when none
	lastN    int64
	lastTime time.Duration
}

// NewProgress reports on w; it is a terminal when w has a file descriptor
// (an *os.File) that term.IsTerminal says is one.
func NewProgress(w io.Writer) *Progress {
	p := &Progress{w: w, every: 5 * time.Second}
	if f, ok := w.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		p.tty, p.every = true, 500*time.Millisecond
	}
	return p
}

// Terminal reports whether the live line is used.
func (p *Progress) Terminal() bool { return p.tty }

// Line formats a snapshot; ops/s is the rate since the previous line (or
// since the start, for the first).
func (p *Progress) Line(s ProgressSnapshot) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.line(s)
}

func (p *Progress) line(s ProgressSnapshot) string {
	rate := 0.0
	if dt := s.Elapsed - p.lastTime; dt > 0 {
		rate = float64(s.Invokes-p.lastN) / dt.Seconds()
	}
	p.lastN, p.lastTime = s.Invokes, s.Elapsed
	left := max(s.Limit-s.Elapsed, 0)
	fault := s.Fault
	if fault == "" {
		fault = "none"
	}
	return fmt.Sprintf("%s/%s (%s left)  %.0f ops/s  ok %d  fail %d  info %d  fault: %s",
		s.Elapsed.Round(time.Second), s.Limit, left.Round(time.Second), rate, s.OK, s.Fail, s.Info, fault)
}

// Printf writes a status message on its own line: on a terminal it clears
// the live line first and redraws it after.
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	if p.tty && p.live != "" {
		fmt.Fprintf(p.w, "\r\033[K%s%s", msg, p.live)
		return
	}
	io.WriteString(p.w, msg)
}

// Run reports snap() until ctx ends, then clears the live line.
func (p *Progress) Run(ctx context.Context, snap func() ProgressSnapshot) {
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.mu.Lock()
			if p.tty && p.live != "" {
				io.WriteString(p.w, "\r\033[K")
				p.live = ""
			}
			p.mu.Unlock()
			return
		case <-tick.C:
			s := snap()
			p.mu.Lock()
			l := p.line(s)
			if p.tty {
				p.live = l
				fmt.Fprintf(p.w, "\r\033[K%s", l)
			} else {
				fmt.Fprintf(p.w, "%s\n", l)
			}
			p.mu.Unlock()
		}
	}
}
