package porctest

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Recorder collects a concurrent history with monotonic timestamps. It is
// safe for concurrent use.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
	ok    int
	info  int
	fail  int
}

// NewRecorder starts a history; Now counts from here.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Now is the time to pass as a call's start: take it before the call.
func (r *Recorder) Now() int64 { return int64(time.Since(r.start)) }

// Add records a completed call that started at call. kind is "ok" (it
// happened, out is its result, it returns now), "fail" (it definitely did
// not happen: counted, left out of the history) or "info" (it may have
// happened at any time from call on: it returns at the end of time with an
// unknown output).
func (r *Recorder) Add(client int, in Input, call int64, out Output, kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch kind {
	case "ok":
		r.ok++
		r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: r.Now()})
	case "fail":
		r.fail++
	case "info":
		r.info++
		out.Unknown = true
		r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: math.MaxInt64})
	default:
		panic("porctest: Recorder.Add kind " + strconv.Quote(kind) + ": want ok, fail or info")
	}
}

// Ops is the history so far (ok and info ops), for porcupine.
func (r *Recorder) Ops() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ops[:len(r.ops):len(r.ops)]
}

// Counts is how many ops were added with each kind.
func (r *Recorder) Counts() (ok, info, fail int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ok, r.info, r.fail
}
