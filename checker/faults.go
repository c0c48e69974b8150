package checker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/faultline/faultline/history"
)

// Faults checks that the nemesis did what the run claims: every fault
// family the run was configured with took effect at least once (a start op
// of that family completed ok). A run whose faults never applied proved
// nothing about behaviour under faults, so it is unknown, never valid.
type Faults struct {
	// Starts maps each configured nemesis to the fs that start its faults,
	// e.g. "partition": {"start-partition"}. Empty: nothing is required.
	Starts map[string][]string
}

// Name is "faults".
func (Faults) Name() string { return "faults" }

// Check implements Checker.
func (f Faults) Check(_ context.Context, h history.History) Result {
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
	var missing []string
	applied := map[string]int{}
	for name, fs := range f.Starts {
		n := 0
		for _, fn := range fs {
			n += okBy[fn]
		}
		applied[name] = n
		if n == 0 {
			failed := 0
			for _, fn := range fs {
				failed += infoBy[fn]
			}
			missing = append(missing, fmt.Sprintf("%s (%d attempts did not take effect)", name, failed))
		}
	}
	sort.Strings(missing)
	d := map[string]any{"applied": applied}
	if len(missing) > 0 {
		d["missing"] = missing
		return Result{Verdict: Unknown, Details: d,
			Summary: "faults never took effect: " + strings.Join(missing, ", ") + "; the run says nothing about behaviour under them"}
	}
	names := make([]string, 0, len(applied))
	for n := range applied {
		names = append(names, fmt.Sprintf("%s %d×", n, applied[n]))
	}
	sort.Strings(names)
	return Result{Verdict: Valid, Details: d, Summary: "every configured fault took effect: " + strings.Join(names, ", ")}
}
