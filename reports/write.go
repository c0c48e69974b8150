package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// Write writes the run's report files into dir: timeline.html and
// index.html. model is the checker model used for the timeline; budget
// bounds the verbose pass that the timeline needs.
func Write(ctx context.Context, dir string, h history.History, res checker.Results, model string, budget time.Duration) error {
	var errs []error
	var failing []string
	if lr, ok := res.Checkers["linearizable"]; ok {
		failing = checker.IllegalKeys(lr)
	}
	if m, err := checker.ModelByName(model); err == nil {
		tl := filepath.Join(dir, "timeline.html")
		if _, err := checker.WriteTimelineFile(ctx, h, m, tl, checker.TimelineOptions{FailingKeys: failing, Timeout: budget}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := writeIndex(dir, h, res); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
