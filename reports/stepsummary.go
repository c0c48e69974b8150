package reports

import (
	"fmt"
	"os"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

var verdictIcon = map[checker.Verdict]string{checker.Valid: "✅", checker.Invalid: "❌", checker.Unknown: "⚠️"}

// StepSummary is the run's Markdown summary for a CI job page: the
// verdict, each checker's explanation, the faults and the run directory.
func StepSummary(dir string, h history.History, res checker.Results) string {
	cfg := readConfig(dir)
	meta, _ := configRows(cfg)
	var b strings.Builder
	fmt.Fprintf(&b, "### %s faultline %s: **%s**\n\n", verdictIcon[res.Verdict], configName(cfg, dir), res.Verdict)
	var parts []string
	for _, m := range meta {
		parts = append(parts, fmt.Sprintf("%s `%s`", m.K, mdEscape(m.V)))
	}
	if len(parts) > 0 {
		b.WriteString(strings.Join(parts, " · ") + "\n\n")
	}
	faults := fault.Intervals(h)
	b.WriteString("| checker | verdict | explanation |\n| --- | --- | --- |\n")
	for _, e := range explain(h, res, faults, nil, dir) {
		text := e.Summary
		if len(e.Words) > 0 && e.Verdict != checker.Valid {
			text = strings.Join(e.Words, " ")
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s |\n", e.Checker, verdictIcon[e.Verdict], e.Verdict, mdEscape(text))
	}
	if len(faults) > 0 {
		b.WriteString("\nFaults: ")
		var fs []string
		for _, f := range faults {
			fs = append(fs, fmt.Sprintf("%s %s–%s", mdEscape(f.Short), fmtSecs(f.Start), fmtSecs(f.End)))
		}
		b.WriteString(strings.Join(fs, "; ") + "\n")
	}
	fmt.Fprintf(&b, "\nRun directory: `%s` (report: `%s`)\n\n", dir, rundir.IndexFile)
	return b.String()
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// AppendStepSummary appends StepSummary to the file at path (GitHub
// Actions' $GITHUB_STEP_SUMMARY), creating it if needed.
func AppendStepSummary(path, dir string, h history.History, res checker.Results) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reports: step summary %s: %w", path, err)
	}
	_, err = f.WriteString(StepSummary(dir, h, res))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reports: step summary %s: %w", path, err)
	}
	return nil
}
