package rundir

import (
	"strings"
	"testing"
)

func TestKeyTimelineFile(t *testing.T) {
	if got := KeyTimelineFile("k10"); got != "timeline-k10.html" {
		t.Errorf("KeyTimelineFile(k10) = %s", got)
	}
	a, b := KeyTimelineFile("a/b"), KeyTimelineFile("a?b")
	if a == b || strings.ContainsAny(a, "/?") || strings.ContainsAny(b, "/?") {
		t.Errorf("unsafe keys map to %q and %q", a, b)
	}
	if long := KeyTimelineFile(strings.Repeat("k", 100)); len(long) > 80 {
		t.Errorf("a 100-byte key gives a %d-byte name %q", len(long), long)
	}
}

func TestPlot(t *testing.T) {
	if got := Plot(PlotRate, "svg"); got != "plots/rate.svg" {
		t.Errorf("Plot(rate, svg) = %s", got)
	}
}
