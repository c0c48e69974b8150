package reports

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/rundir"
)

// JUnit XML, the subset CI systems read: one testsuite per run, one
// testcase per checker. A valid checker passes. An invalid one has a
// <failure> whose message is the anomaly's summary and whose text explains
// it. An unknown one has an <error>, not <skipped>: unknown means the run
// proves nothing (the checker timed out, too little happened, faults could
// not be applied), and a CI dashboard must not count that as passed or
// quietly skipped; it is the harness's "could not test", which is what
// JUnit's error means.

// JUnitSuites is the root element.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one run.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is one configuration entry of the run.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one checker.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure,omitempty"`
	Error     *JUnitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitProblem is a failure or an error.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit builds the JUnit document of a run.
func JUnit(dir string, h history.History, res checker.Results) JUnitSuites {
	cfg := readConfig(dir)
	name := configName(cfg, filepath.Base(filepath.Dir(dir)))
	var dur float64
	if len(h) > 0 {
		dur = float64(h[len(h)-1].Time) / 1e9
	}
	s := JUnitSuite{Name: name + "/" + filepath.Base(dir), Time: fmt.Sprintf("%.3f", dur), Timestamp: configStart(cfg)}
	_, rows := configRows(cfg)
	for _, r := range rows {
		s.Properties = append(s.Properties, JUnitProperty{Name: r.K, Value: r.V})
	}
	s.Properties = append(s.Properties, JUnitProperty{Name: "run_dir", Value: dir})
	faults := fault.Intervals(h)
	for _, e := range explain(h, res, faults, nil, dir) {
		c := JUnitCase{Name: e.Checker, ClassName: "faultline." + name, Time: s.Time, SystemOut: e.Summary}
		text := strings.Join(e.Words, "\n") + "\n\nReport: " + filepath.Join(dir, rundir.IndexFile)
		switch e.Verdict {
		case checker.Valid:
		case checker.Invalid:
			c.Failure = &JUnitProblem{Message: e.Summary, Type: "invalid", Text: text}
			s.Failures++
		default:
			c.Error = &JUnitProblem{Message: e.Summary, Type: "unknown", Text: text}
			s.Errors++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	return JUnitSuites{Name: "faultline", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Suites: []JUnitSuite{s}}
}

// WriteJUnit writes dir/junit.xml.
func WriteJUnit(dir string, h history.History, res checker.Results) error {
	b, err := xml.MarshalIndent(JUnit(dir, h, res), "", "  ")
	if err != nil {
		return fmt.Errorf("reports: %s: %w", rundir.JUnitFile, err)
	}
	return rundir.WriteFile(dir, rundir.JUnitFile, append([]byte(xml.Header), append(b, '\n')...))
}
