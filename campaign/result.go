package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/exitcode"
	"github.com/faultline/faultline/models"
	"github.com/faultline/faultline/rundir"
)

// Exit codes a cell can end with: package exitcode's.
const (
	ExitValid    = exitcode.Valid
	ExitInvalid  = exitcode.Invalid
	ExitUnknown  = exitcode.Unknown
	ExitBadInput = exitcode.BadInput
	ExitHarness  = exitcode.Harness
)

// Result is one cell's outcome as campaign.json records it.
type Result struct {
	Cell
	// Verdict is the run's verdict; empty when the run never produced one
	// (a harness error before checking).
	Verdict checker.Verdict `json:"verdict,omitempty"`
	// Code is the run's own exit code (0 valid, 1 invalid, 2 unknown, 254
	// bad input, 255 harness error).
	Code int `json:"code"`
	// Met says whether the verdict met the cell's expectation.
	Met bool `json:"met"`
	// Why explains a miss in words ("expected invalid: the anomaly was not caught").
	Why   string `json:"why,omitempty"`
	Error string `json:"error,omitempty"` // the harness error, if any
	// Run is the run directory relative to the campaign directory (a link
	// into the store), Dir the same relative to the store.
	Run      string           `json:"run,omitempty"`
	Dir      string           `json:"dir,omitempty"`
	Checkers map[string]Check `json:"checkers,omitempty"`
	// Models are the run's consistency models: holds, ruled out or not
	// checked (checker.Results.Models).
	Models  []models.Status `json:"models,omitempty"`
	Metrics *Metrics        `json:"metrics,omitempty"`
	Start   time.Time       `json:"start"`
	Seconds float64         `json:"seconds"`
}

// Check is one checker's verdict and one-line summary.
type Check struct {
	Verdict checker.Verdict `json:"verdict"`
	Summary string          `json:"summary,omitempty"`
}

// Metrics are the numbers the comparison report puts side by side. A nil
// pointer means "not measured by this workload" (shown as a dash), which is
// different from zero.
type Metrics struct {
	Ops        int     `json:"ops"`        // completed client ops
	OK         int     `json:"ok"`         // of which ok
	Throughput float64 `json:"throughput"` // ok ops per second over the run
	P50Ms      float64 `json:"p50_ms"`     // latency of ok ops
	P99Ms      float64 `json:"p99_ms"`
	// Availability: share of ops that completed ok, invoked during a fault
	// and outside any fault.
	AvailDuring  *float64 `json:"avail_during,omitempty"`
	AvailOutside *float64 `json:"avail_outside,omitempty"`
	Faults       int      `json:"faults"`        // fault intervals
	FaultSeconds float64  `json:"fault_seconds"` // time under some fault

	// Anomalies sums the run's checkers' anomaly counts by kind: a kind
	// is present when some checker measured it (zero included).
	Anomalies checker.Anomalies `json:"anomalies,omitempty"`
	// Measures are the checkers' other figures by name (converge_ms: the
	// time to converge after the final heal).
	Measures map[string]float64 `json:"measures,omitempty"`
}

// Judge decides whether a cell met its expectation. verdict is the run's
// (empty when it has none), code the run's exit code and runErr the
// harness error, if any.
func Judge(c Cell, verdict checker.Verdict, code int, runErr error) Result {
	r := Result{Cell: c, Verdict: verdict, Code: code}
	if runErr != nil {
		r.Error = runErr.Error()
		if r.Code == ExitValid || r.Code == ExitInvalid || r.Code == ExitUnknown {
			r.Code = ExitHarness
		}
	}
	switch {
	case r.Code == ExitHarness || r.Code == ExitBadInput:
		r.Why = "the run did not complete: " + r.Error
	case c.Expect == ExpectAny:
		r.Met = true
	case c.Expect == ExpectInvalid && verdict == checker.Invalid:
		r.Met = true
	case c.Expect == ExpectInvalid && verdict == checker.Valid:
		r.Why = "expected invalid: the anomaly was not caught"
	case c.Expect == ExpectInvalid:
		r.Why = "expected invalid: the run was " + string(verdict) + " (it proved nothing)"
	case verdict == checker.Valid:
		r.Met = true
	default:
		r.Why = "expected valid: the run was " + string(verdict)
	}
	return r
}

// MissCode is the exit code a missed cell contributes: its run's code, or
// 1 for an expected anomaly that was not caught (the run itself was
// valid). A met cell contributes 0.
func (r Result) MissCode() int {
	if r.Met {
		return ExitValid
	}
	if r.Code == ExitValid {
		return ExitInvalid
	}
	return r.Code
}

// Worst returns the most severe of the exit codes (255 > 254 > 1 > 2 > 0).
func Worst(codes ...int) int {
	w := ExitValid
	for _, c := range codes {
		w = exitcode.Worse(w, c)
	}
	return w
}

// ExitCode is the campaign's exit code: 0 when every cell met its
// expectation, else the worst MissCode.
func ExitCode(rs []Result) int {
	w := ExitValid
	for _, r := range rs {
		w = Worst(w, r.MissCode())
	}
	return w
}

// Summary is campaign.json: the campaign, its cells in spec order and
// their results. The web UI reads name and verdict.
type Summary struct {
	Name string `json:"name"`
	Spec string `json:"spec"` // the spec file, as given
	// Verdict is "valid" when every cell met its expectation, "invalid"
	// when a cell missed with exit 1, "unknown" otherwise, and "running"
	// until the campaign ends.
	Verdict  string    `json:"verdict"`
	ExitCode int       `json:"exit_code"`
	Cluster  Cluster   `json:"cluster"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
	Cells    []Cell    `json:"cells"`   // every planned cell
	Results  []Result  `json:"results"` // the cells run so far, in order
	Met      int       `json:"met"`
	Missed   int       `json:"missed"`
}

// Finish computes the verdict, counts and exit code from Results and
// stamps End. Call it after the last cell (or when interrupted).
func (s *Summary) Finish(end time.Time) {
	s.Met, s.Missed = 0, 0
	for _, r := range s.Results {
		if r.Met {
			s.Met++
		} else {
			s.Missed++
		}
	}
	s.ExitCode = ExitCode(s.Results)
	if len(s.Results) < len(s.Cells) {
		// Cut short: the cells not run did not meet anything.
		s.ExitCode = Worst(s.ExitCode, ExitUnknown)
	}
	switch s.ExitCode {
	case ExitValid:
		s.Verdict = string(checker.Valid)
	case ExitInvalid:
		s.Verdict = string(checker.Invalid)
	default:
		s.Verdict = string(checker.Unknown)
	}
	s.End = end.UTC()
}

// Write writes dir/campaign.json (rundir.Write: never half-written).
func (s *Summary) Write(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("campaign: %s: %w", rundir.CampaignFile, err)
	}
	return rundir.WriteFile(dir, rundir.CampaignFile, append(b, '\n'))
}

// Read reads dir/campaign.json.
func Read(dir string) (*Summary, error) {
	p := filepath.Join(dir, rundir.CampaignFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("campaign: %w", err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("campaign: %s: %w", p, err)
	}
	return &s, nil
}
