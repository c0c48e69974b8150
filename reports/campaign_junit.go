package reports

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// CampaignJUnit is a campaign's JUnit document: one testsuite, one testcase
// per cell, named by the cell. A cell that met its expectation passes (an
// expected-invalid cell whose anomaly was caught is a pass, with the
// anomaly in system-out). A cell whose run was invalid, or whose expected
// anomaly was not caught, is a <failure>; a cell whose run was unknown or
// never completed (harness error) is an <error>. Cells not run (the
// campaign was cut short) are <error>s too: they proved nothing.
func CampaignJUnit(s *campaign.Summary) JUnitSuites {
	suite := JUnitSuite{Name: "campaign " + s.Name, Timestamp: s.Start.Format("2006-01-02T15:04:05Z")}
	var total float64
	done := map[string]bool{}
	for _, r := range s.Results {
		done[r.ID] = true
		total += r.Seconds
		c := JUnitCase{Name: r.ID, ClassName: "faultline.campaign." + s.Name + "." + r.Target + "." + r.Mode,
			Time: fmt.Sprintf("%.3f", r.Seconds), SystemOut: cellOut(r)}
		switch {
		case r.Met:
		case r.Code == campaign.ExitHarness || r.Code == campaign.ExitBadInput || r.Verdict == checker.Unknown || r.Verdict == "":
			c.Error = &JUnitProblem{Message: r.Why, Type: "unknown", Text: cellOut(r)}
			suite.Errors++
		default:
			c.Failure = &JUnitProblem{Message: r.Why, Type: string(r.Verdict), Text: cellOut(r)}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, cell := range s.Cells {
		if done[cell.ID] {
			continue
		}
		suite.Cases = append(suite.Cases, JUnitCase{Name: cell.ID, ClassName: "faultline.campaign." + s.Name + "." + cell.Target + "." + cell.Mode,
			Time: "0.000", Error: &JUnitProblem{Message: "not run: the campaign was cut short", Type: "unknown"}})
		suite.Errors++
	}
	suite.Tests = len(suite.Cases)
	suite.Time = fmt.Sprintf("%.3f", total)
	suite.Properties = []JUnitProperty{{Name: "spec", Value: s.Spec}, {Name: "exit_code", Value: fmt.Sprint(s.ExitCode)}}
	return JUnitSuites{Name: "faultline campaign " + s.Name, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Suites: []JUnitSuite{suite}}
}

// cellOut says what a cell did, for system-out and problem texts.
func cellOut(r campaign.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s --mode %s, workload %s, nemesis %s, seed %d: verdict %s, expected %s\n",
		r.Target, r.Mode, r.Workload, r.NemesisLabel(), r.Seed, orDash(string(r.Verdict)), r.Expect)
	if r.Why != "" {
		fmt.Fprintf(&b, "%s\n", r.Why)
	}
	for _, name := range sortedKeys(r.Checkers) {
		c := r.Checkers[name]
		fmt.Fprintf(&b, "%s: %s: %s\n", name, c.Verdict, c.Summary)
	}
	if r.Run != "" {
		fmt.Fprintf(&b, "Report: %s\n", filepath.Join(r.Run, rundir.IndexFile))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// WriteCampaignJUnit writes dir/junit.xml.
func WriteCampaignJUnit(dir string, s *campaign.Summary) error {
	b, err := xml.MarshalIndent(CampaignJUnit(s), "", "  ")
	if err != nil {
		return fmt.Errorf("reports: campaign %s: %w", rundir.JUnitFile, err)
	}
	return rundir.WriteFile(dir, rundir.JUnitFile, append([]byte(xml.Header), append(b, '\n')...))
}
