package checker

import (
	"context"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestFaultsChecker(t *testing.T) {
	nem := func(typ history.Type, f string) history.Op {
		return history.Op{Process: history.Nemesis, Type: typ, F: f}
	}
	starts := map[string][]string{"partition": {"start-partition"}, "kill": {"kill"}}
	for _, tc := range []struct {
		name string
		h    history.History
		want Verdict
	}{
		{"both applied", history.History{nem(history.Invoke, "start-partition"), nem(history.OK, "start-partition"),
			nem(history.Invoke, "kill"), nem(history.OK, "kill")}, Valid},
		{"kill never took effect", history.History{nem(history.Invoke, "start-partition"), nem(history.OK, "start-partition"),
			nem(history.Invoke, "kill"), nem(history.Info, "kill")}, Unknown},
		{"nothing ran", nil, Unknown},
		{"kill never scheduled", history.History{nem(history.Invoke, "start-partition"), nem(history.OK, "start-partition")}, Valid},
	} {
		if got := (Faults{Starts: starts}).Check(context.Background(), tc.h); got.Verdict != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, got.Verdict, got.Summary, tc.want)
		}
	}
	if got := (Faults{}).Check(context.Background(), nil); got.Verdict != Valid {
		t.Errorf("no faults configured: %s", got.Verdict)
	}
}
