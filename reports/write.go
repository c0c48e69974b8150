package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// maxKeyTimelines bounds the per-key timelines written for failing keys.
const maxKeyTimelines = 3

// Write writes the run's report files into dir from its history and
// results: plots/ (PNG and SVG), timeline.html (every checked key, failing
// keys first) and timeline-<key>.html for the first failing keys,
// index.html and junit.xml; and, when $GITHUB_STEP_SUMMARY names a file,
// appends a Markdown summary to it. model is the checker model for the
// timelines ("" or unknown: no timeline); budget bounds each timeline's
// verbose search. It writes what it can and returns every error joined.
func Write(ctx context.Context, dir string, h history.History, res checker.Results, model string, budget time.Duration) error {
	return WriteWith(ctx, dir, h, res, Options{Model: model, Budget: budget, StepSummary: os.Getenv("GITHUB_STEP_SUMMARY")})
}

// Options tune WriteWith.
type Options struct {
	Model  string        // checker model for the timelines
	Budget time.Duration // bound of each timeline's verbose search
	// StepSummary, if set, is a file the Markdown summary is appended to
	// (GitHub Actions' $GITHUB_STEP_SUMMARY).
	StepSummary string
}

// WriteWith is Write with explicit options.
func WriteWith(ctx context.Context, dir string, h history.History, res checker.Results, o Options) (err error) {
	// A report is evidence about a run, never a reason to lose it: a bug
	// in a page or a plot on a history nobody foresaw is an error naming
	// the run, not a crash (the history and results.json are already on
	// disk).
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reports: %s: internal error while writing the report: %v (the history and %s are intact)", dir, p, rundir.ResultsFile)
		}
	}()
	var errs []error
	in := indexInput{Timelines: map[string]string{}}
	var failing []string
	focus := map[string]checker.TimelineFocus{} // where each failing key's anomaly is: its timeline opens there
	for _, name := range sortedKeys(res.Checkers) {
		failing = append(failing, illegalKeys(res.Checkers[name])...)
		for k, f := range checker.FocusOf(res.Checkers[name]) {
			if _, ok := focus[k]; !ok {
				focus[k] = f
			}
		}
	}
	if m, err := checker.ModelByName(o.Model); err == nil {
		if err := writeTimeline(ctx, dir, rundir.TimelineFile, h, m, checker.TimelineOptions{FailingKeys: failing, Timeout: o.Budget, Focus: focus}, res.Verdict); err != nil {
			errs = append(errs, err)
		}
		for i, k := range failing {
			if i == maxKeyTimelines {
				break
			}
			if k == "" {
				// An unkeyed history (a queue, a single register) has one
				// key: timeline.html is its timeline, not timeline-.html.
				in.Timelines[k] = rundir.TimelineFile
				continue
			}
			name := rundir.KeyTimelineFile(k)
			err := writeTimeline(ctx, dir, name, h, m, checker.TimelineOptions{FailingKeys: []string{k}, MaxPassing: -1, Timeout: o.Budget, Focus: focus}, res.Verdict)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			in.Timelines[k] = name
		}
	}
	set, err := WritePlots(dir, h, PlotOptions{Marks: anomalyMarks(h, res)})
	if err != nil {
		errs = append(errs, err)
	}
	in.Plots = set.Names
	if err := WriteJUnit(dir, h, res); err != nil {
		errs = append(errs, err)
	}
	if err := writeIndex(dir, h, res, in); err != nil {
		errs = append(errs, err)
	}
	if o.StepSummary != "" {
		if err := AppendStepSummary(o.StepSummary, dir, h, res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeTimeline writes the timeline of h into dir/name; a timeline that
// fails is not written, so the report never links half of one.
func writeTimeline(ctx context.Context, dir, name string, h history.History, m checker.Model, opts checker.TimelineOptions, verdict checker.Verdict) error {
	return rundir.Write(dir, name, func(w io.Writer) error {
		var buf bytes.Buffer
		ti, err := checker.WriteTimeline(ctx, h, m, &buf, opts)
		if err != nil {
			return err
		}
		page := buf.Bytes()
		// porcupine's page, with a faultline header saying which run it
		// is, its verdict, and what the timeline shows and leaves out.
		if i := bytes.Index(page, []byte("<body>")); i >= 0 {
			i += len("<body>")
			page = append(page[:i:i], append([]byte(timelineHeader(dir, verdict, opts, ti)), page[i:]...)...)
		}
		_, err = w.Write(page)
		return err
	})
}

// timelineHeader is the faultline header of a timeline page (inline
// styles only: the page's script is porcupine's, allowed by its hash).
func timelineHeader(dir string, verdict checker.Verdict, opts checker.TimelineOptions, ti checker.TimelineInfo) string {
	esc := template.HTMLEscapeString
	var failing, sampled []string
	isFailing := map[string]bool{}
	for _, k := range opts.FailingKeys {
		isFailing[k] = true
	}
	for _, k := range ti.Keys {
		if isFailing[k] {
			failing = append(failing, fmt.Sprintf("%q", k))
		} else {
			sampled = append(sampled, fmt.Sprintf("%q", k))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="font-family:system-ui,sans-serif;padding:.6em 1em;border-bottom:2px solid #ddd;margin-bottom:.6em">`)
	fmt.Fprintf(&b, `<a href="%s">← run report</a> · <b>%s</b> · verdict <b>%s</b><br>`, rundir.IndexFile, esc(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir)), esc(string(verdict)))
	if len(failing) > 0 {
		fmt.Fprintf(&b, `Failing keys (every one, the report's first): %s. `, esc(strings.Join(failing, ", ")))
	}
	if len(sampled) > 0 {
		fmt.Fprintf(&b, `Passing keys sampled: %s. `, esc(strings.Join(sampled, ", ")))
	}
	if len(ti.Skipped) > 0 {
		fmt.Fprintf(&b, `Left out (too many ops to draw): %s. `, esc(strings.Join(ti.Skipped, ", ")))
	}
	if ti.Incomplete {
		b.WriteString(`The search was cut short by its budget: partial linearizations only. `)
	}
	b.WriteString(`Times are seconds since the run started.</div>`)
	return b.String()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
