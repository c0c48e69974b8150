package reports

import (
	"fmt"
	"os"
	"strings"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// CampaignStepSummary is a campaign's Markdown summary for a CI job page:
// the campaign's verdict, then one row per cell (expectation, verdict,
// met, why).
func CampaignStepSummary(dir string, s *campaign.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s faultline campaign %s: **%s** (%d of %d cells met their expectation, exit %d)\n\n",
		verdictIcon[checker.Verdict(s.Verdict)], s.Name, s.Verdict, s.Met, len(s.Cells), s.ExitCode)
	b.WriteString("| cell | expect | verdict | met |\n| --- | --- | --- | --- |\n")
	for _, r := range s.Results {
		met := "✅"
		if !r.Met {
			met = "❌ " + mdEscape(r.Why)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s %s | %s |\n", r.ID, r.Expect, verdictIcon[r.Verdict], orDash(string(r.Verdict)), met)
	}
	fmt.Fprintf(&b, "\nCampaign directory: `%s` (report: `%s`, `%s`)\n\n", dir, rundir.IndexFile, rundir.JUnitFile)
	return b.String()
}

// AppendCampaignStepSummary appends CampaignStepSummary to the file at
// path ($GITHUB_STEP_SUMMARY), creating it if needed.
func AppendCampaignStepSummary(path, dir string, s *campaign.Summary) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reports: step summary %s: %w", path, err)
	}
	_, err = f.WriteString(CampaignStepSummary(dir, s))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reports: step summary %s: %w", path, err)
	}
	return nil
}
