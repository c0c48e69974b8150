package run

import (
	"context"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/rundir"
	"github.com/faultline/faultline/workloads"
)

// Target is the system under test as the runner drives it.
type Target interface {
	// Setup installs and starts the system on every node, from scratch.
	Setup(ctx context.Context) error
	// Teardown stops it on every node.
	Teardown(ctx context.Context) error
	// CollectLogs fetches each node's logs into dir/<node>/.
	CollectLogs(ctx context.Context, dir string) error
	// Residue lists faults the target's processes still show (e.g. a
	// stopped process); empty when clean.
	Residue(ctx context.Context) ([]string, error)
}

// Healer removes and reports the faults of the nemeses, on every node.
type Healer interface {
	Heal(ctx context.Context) error
	Residue(ctx context.Context) ([]string, error)
}

// Preflighter is a Healer that does more before a run than after it: e.g.
// also kill daemons a killed controller left running. The runner calls
// Preflight instead of Heal at the start when the Healer implements it.
type Preflighter interface {
	Preflight(ctx context.Context) error
}

// Test is one run, fully composed: every slot is filled by the CLI (or a
// test) and the runner only sequences the phases.
type Test struct {
	// Config is written to the run directory as test.json before anything
	// runs.
	Config rundir.Config

	Target    Target
	Generator workloads.Generator
	// NewClient opens a client for a worker bound to a node.
	NewClient func(node string) (workloads.Client, error)

	// Nemesis applies the planned faults; nil runs without faults.
	Nemesis nemesis.Nemesis
	Plan    []nemesis.Step
	// Healer heals everything at preflight and teardown and checks residue.
	Healer Healer

	// Final, if set, runs after the final heal and the recovery wait: the
	// workload's final phase (e.g. read every key on every node until they
	// agree). It records its ops through rec, like the clients do.
	Final func(ctx context.Context, rec Recorder) error

	// Checkers judge the history read back from disk.
	Checkers []checker.Checker
	// Report, if set, writes the human report (timeline, plots, html) into
	// the run directory after checking.
	Report func(ctx context.Context, dir string, h history.History, res checker.Results) error

	// Store is the store directory (default ./store).
	Store string
	// Status receives progress lines; nil discards them.
	Status io.Writer

	targetStats map[string]map[string]statSeries
}

// Recorder appends ops to the run's history: Record assigns Index and Time
// and returns the op as written.
type Recorder interface {
	Record(op history.Op) (history.Op, error)
}
