package reports

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
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
func WriteWith(ctx context.Context, dir string, h history.History, res checker.Results, o Options) error {
	var errs []error
	in := indexInput{Timelines: map[string]string{}}
	var failing []string
	for _, name := range sortedKeys(res.Checkers) {
		failing = append(failing, illegalKeys(res.Checkers[name])...)
	}
	if m, err := checker.ModelByName(o.Model); err == nil {
		tl := filepath.Join(dir, "timeline.html")
		if _, err := checker.WriteTimelineFile(ctx, h, m, tl, checker.TimelineOptions{FailingKeys: failing, Timeout: o.Budget}); err != nil {
			errs = append(errs, err)
		}
		for i, k := range failing {
			if i == maxKeyTimelines {
				break
			}
			name := TimelineFile(k)
			_, err := checker.WriteTimelineFile(ctx, h, m, filepath.Join(dir, name),
				checker.TimelineOptions{FailingKeys: []string{k}, MaxPassing: -1, Timeout: o.Budget})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			in.Timelines[k] = name
		}
	}
	set, err := WritePlots(dir, h)
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

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// TimelineFile is the name of a key's own timeline in the run directory:
// timeline-<key>.html, with characters unsafe in a file name replaced, and
// a hash of the key when replacing made it ambiguous.
func TimelineFile(key string) string {
	safe := unsafeKeyChars.ReplaceAllString(key, "_")
	if safe != key || len(safe) > 64 {
		var h uint32 = 2166136261
		for i := 0; i < len(key); i++ {
			h = (h ^ uint32(key[i])) * 16777619
		}
		if len(safe) > 48 {
			safe = safe[:48]
		}
		safe = fmt.Sprintf("%s-%08x", safe, h)
	}
	return "timeline-" + safe + ".html"
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
