package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"unicode/utf8"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/rundir"
)

// Bounds on what the listing reads of one run, so that a store of
// thousands of runs, or one run with enormous files, keeps serve's memory
// and time bounded.
const (
	// maxResults is the largest results.json decoded whole; of a larger
	// one only the verdict is read, from its head.
	maxResults = 8 << 20
	// historyTail is how much of the end of history.jsonl is read for
	// the last op's time (the run's duration).
	historyTail = 64 << 10
	// maxAnomalyScan is how much of history.jsonl is scanned for the op
	// that cannot be linearized (the anomaly's time); past it the time
	// is not shown.
	maxAnomalyScan = 256 << 20
	// maxText bounds a headline or summary in the listing.
	maxText = 300
)

// runResults fills in what e shows of a finished run from results.json
// (read as checker.Results, at most maxResults bytes) and the history:
// verdict, headline, duration, ops/s and the anomaly's time. It reports
// false when p has no results.json.
func runResults(s safeFS, p string, e *Entry) bool {
	name := path.Join(p, rundir.ResultsFile)
	f, st, err := s.open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if st.IsDir() {
		return false
	}
	var res checker.Results
	if st.Size() > maxResults {
		e.Verdict = headVerdict(io.LimitReader(f, 64<<10))
		e.Note = fmt.Sprintf("%s is %s, over the %s the listing reads: see the run's report", rundir.ResultsFile, humanSize(st.Size()), humanSize(maxResults))
		e.Headline = e.Note
	} else {
		b, err := io.ReadAll(io.LimitReader(f, maxResults))
		if err == nil {
			err = json.Unmarshal(b, &res)
		}
		if err != nil || res.Verdict == "" {
			e.Verdict = string(checker.Unknown)
			if err == nil {
				err = errors.New("no verdict")
			}
			e.Note = clipText(fmt.Sprintf("%s does not decode: %v", rundir.ResultsFile, err), maxText)
			e.Headline = e.Note
		} else {
			e.Verdict = string(res.Verdict)
			e.Summary = clipText(firstProblem(res), maxText)
		}
	}
	hist := path.Join(p, rundir.HistoryFile)
	if end, ok := lastOpTime(s, hist); ok && end > 0 {
		e.Duration = secs(end)
	}
	if res.Verdict == "" {
		return true
	}
	var a *reports.LinAnomaly
	e.Headline, a = headline(res)
	e.Headline = clipText(e.Headline, maxText)
	var st2 struct {
		ClientOps *int64 `json:"client_ops"`
	}
	if len(res.Stats) > 0 && json.Unmarshal(res.Stats, &st2) == nil && st2.ClientOps != nil {
		e.ClientOps = *st2.ClientOps
		if e.Duration > 0 {
			e.OpsPerSec = float64(e.ClientOps) / e.Duration
		}
	}
	if a != nil {
		if t, ok := anomalyTime(s, hist, a.Index); ok {
			at := secs(t)
			e.AnomalyAt = &at
		}
	}
	return true
}

// headline is the report's one sentence under the verdict (as
// reports.WriteWith puts it in index.html), from results.json alone: the
// first checker, by name, with the run's verdict, and its linearizability
// anomaly when it has one.
func headline(res checker.Results) (string, *reports.LinAnomaly) {
	names := make([]string, 0, len(res.Checkers))
	for n := range res.Checkers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, v := range []checker.Verdict{checker.Invalid, checker.Unknown} {
		if res.Verdict != v {
			continue
		}
		for _, n := range names {
			c := res.Checkers[n]
			if c.Verdict != v {
				continue
			}
			if a := linAnomaly(c); a != nil && v == checker.Invalid {
				return fmt.Sprintf("%s: key %q is not linearizable: %s cannot be linearized.", n, a.Key, a.Op), a
			}
			return n + ": " + c.Summary, nil
		}
	}
	if res.Verdict == checker.Valid {
		return "Every checker passed: no anomaly found in this history.", nil
	}
	return "No checker decided.", nil
}

// linAnomaly is details.anomaly of a checker result, as
// reports.LinAnomaly; nil when there is none.
func linAnomaly(r checker.Result) *reports.LinAnomaly {
	raw, ok := r.Details["anomaly"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var a reports.LinAnomaly
	if json.Unmarshal(b, &a) != nil || a.Key == "" {
		return nil
	}
	return &a
}

// headVerdict reads the top-level "verdict" of a results.json from its
// head, without decoding the rest; "unknown" when it is not among the
// fields that fit in r.
func headVerdict(r io.Reader) string {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return string(checker.Unknown)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			break
		}
		if k == "verdict" {
			var v string
			if dec.Decode(&v) == nil && v != "" {
				return clipText(v, 20)
			}
			break
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			break
		}
	}
	return string(checker.Unknown)
}

// lastOpTime is the time of the last op of the history at name (ns since
// the run started), read from its end (a few KB; historyTail bytes when
// the last lines are long): how long the run ran, or has run so far.
func lastOpTime(s safeFS, name string) (int64, bool) {
	f, st, err := s.open(name)
	if err != nil || st.IsDir() {
		return 0, false
	}
	defer f.Close()
	for _, tail := range []int64{4 << 10, historyTail} {
		off := max(0, st.Size()-tail)
		b := make([]byte, st.Size()-off)
		n, err := f.ReadAt(b, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, false
		}
		if t, ok := lastTime(b[:n]); ok {
			return t, true
		}
		if off == 0 {
			break
		}
	}
	return 0, false
}

// lastTime is the "time" of the last line of b that decodes as an op.
func lastTime(b []byte) (int64, bool) {
	for len(b) > 0 {
		i := bytes.LastIndexByte(bytes.TrimRight(b, "\n"), '\n')
		line := b[i+1:]
		b = b[:max(i, 0)]
		var op struct {
			Time *int64 `json:"time"`
		}
		if json.Unmarshal(line, &op) == nil && op.Time != nil {
			return *op.Time, true
		}
		if i < 0 {
			break
		}
	}
	return 0, false
}

// errFound stops a history scan.
var errFound = errors.New("found")

// anomalyTime is when the op whose invoke has index completed (ns since
// the run started), as the report marks the anomaly: its completion's
// time, or the history's end when it never completed. It scans at most
// maxAnomalyScan bytes of the history.
func anomalyTime(s safeFS, name string, index int64) (int64, bool) {
	f, st, err := s.open(name)
	if err != nil || st.IsDir() {
		return 0, false
	}
	defer f.Close()
	var (
		found bool
		proc  history.Process
		end   int64
	)
	_, err = history.Scan(io.LimitReader(f, maxAnomalyScan), name, func(op history.Op) error {
		end = op.Time
		switch {
		case !found && op.Index == index && op.Type == history.Invoke:
			found, proc = true, op.Process
		case found && op.Process == proc && op.Type != history.Invoke:
			return errFound
		}
		return nil
	})
	switch {
	case errors.Is(err, errFound):
		return end, true
	case err == nil && found && st.Size() <= maxAnomalyScan:
		return end, true // the op never completed: the history's end
	}
	return 0, false
}

// secs converts ns to seconds.
func secs(ns int64) float64 { return float64(ns) / 1e9 }

// clipText shortens s to at most n bytes, on a rune boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
