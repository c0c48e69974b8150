package checker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/faultline/faultline/history"
)

// Faults checks that the nemesis did what the run claims. A run whose
// faults never took effect, or one in which some fault family was tried and
// never applied (every attempt ended info), proved nothing about behaviour
// under those faults, so it is unknown, never valid. A family the schedule
// never reached within the time limit is reported, not held against it.
type Faults struct {
	// Starts maps each configured nemesis to the fs that start its faults,
	// e.g. "partition": {"start-partition"}. Empty: nothing is required.
	Starts map[string][]string
}

// Name is "faults".
func (Faults) Name() string { return "faults" }

// Check implements Checker.
func (f Faults) Check(_ context.Context, h history.History) Result {
	if len(f.Starts) == 0 {
		return Result{Verdict: Valid, Summary: "no faults configured"}
	}
	okBy := map[string]int{}
	infoBy := map[string]int{}
	for _, op := range h {
		if !op.IsNemesis() {
			continue
		}
		switch op.Type {
		case history.OK:
			okBy[op.F]++
		case history.Info, history.Fail:
			infoBy[op.F]++
		}
	}
	var failed, unscheduled []string
	applied := map[string]int{}
	total := 0
	for name, fs := range f.Starts {
		n, tried := 0, 0
		for _, fn := range fs {
			n += okBy[fn]
			tried += infoBy[fn]
		}
		applied[name] = n
		total += n
		switch {
		case n == 0 && tried > 0:
			failed = append(failed, fmt.Sprintf("%s (%d attempts did not take effect)", name, tried))
		case n == 0:
			unscheduled = append(unscheduled, name)
		}
	}
	sort.Strings(failed)
	sort.Strings(unscheduled)
	d := map[string]any{"applied": applied}
	if len(unscheduled) > 0 {
		d["not_scheduled"] = unscheduled
	}
	if len(failed) > 0 {
		d["failed"] = failed
		return Result{Verdict: Unknown, Details: d,
			Summary: "faults could not be applied: " + strings.Join(failed, ", ") + "; the run says nothing about behaviour under them"}
	}
	if len(f.Starts) > 0 && total == 0 {
		return Result{Verdict: Unknown, Details: d,
			Summary: "no fault took effect during the run (lengthen --time-limit or shorten --nemesis-interval); it says nothing about behaviour under faults"}
	}
	names := make([]string, 0, len(applied))
	for n := range applied {
		names = append(names, fmt.Sprintf("%s %d×", n, applied[n]))
	}
	sort.Strings(names)
	sum := "faults took effect: " + strings.Join(names, ", ")
	if len(unscheduled) > 0 {
		sum += "; not scheduled within the time limit: " + strings.Join(unscheduled, ", ")
	}
	return Result{Verdict: Valid, Details: d, Summary: sum}
}
