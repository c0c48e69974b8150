package reports

import (
	"testing"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/models"
)

// The campaign's model table merges each target and mode's runs: ruled
// out in any run is ruled out (linking to it), holds only when every run
// holds it, otherwise not checked.
func TestModelTable(t *testing.T) {
	st := func(pairs ...any) []models.Status {
		var out []models.Status
		for i := 0; i < len(pairs); i += 2 {
			s := models.Status{Model: pairs[i].(models.Model), State: pairs[i+1].(models.State)}
			if s.State == models.StateRuledOut {
				s.Anomalies = []models.Anomaly{models.Nonlinearizable}
			}
			out = append(out, s)
		}
		return out
	}
	r := func(id, mode string, ms []models.Status) campaign.Result {
		res := campaign.Result{Models: ms, Run: "runs/" + id}
		res.ID, res.Target, res.Mode = id, "kv", mode
		return res
	}
	tab := modelTableOf([]campaign.Result{
		r("a", "serial", st(models.Linearizable, models.StateHolds, models.Sequential, models.StateHolds)),
		r("b", "serial", st(models.Linearizable, models.StateHolds, models.Sequential, models.StateHolds)),
		r("c", "one", st(models.Linearizable, models.StateHolds, models.Sequential, models.StateNotChecked)),
		r("d", "one", st(models.Linearizable, models.StateRuledOut, models.Sequential, models.StateNotChecked)),
		{}, // a run without models (a harness error) is no row
	})
	if len(tab.Heads) != 2 || tab.Heads[0] != "linearizable" || tab.Heads[1] != "sequential" {
		t.Fatalf("heads %v", tab.Heads)
	}
	if len(tab.Rows) != 2 {
		t.Fatalf("rows %+v, want kv · serial and kv · one", tab.Rows)
	}
	serial, one := tab.Rows[0], tab.Rows[1]
	if serial.Cells[0].Class != "holds" || serial.Cells[1].Class != "holds" || serial.Runs != 2 {
		t.Errorf("serial: %+v", serial)
	}
	if c := one.Cells[0]; c.Class != "ruled-out" || c.Href != "runs/d/index.html" && c.Href == "" || c.Text != "✗ nonlinearizable" {
		t.Errorf("one, linearizable: %+v, want ruled out by run d", c)
	}
	if serial.Avail != "–" {
		t.Errorf("serial availability %q, want – (no run measured it)", serial.Avail)
	}
	if c := one.Cells[1]; c.Class != "not-checked" {
		t.Errorf("one, sequential: %+v, want not checked", c)
	}
}

// Availability beside the models is the mean over the runs that measured it.
func TestModelTableAvailability(t *testing.T) {
	a, b := 0.5, 1.0
	run := func(id string, avail *float64) campaign.Result {
		r := campaign.Result{Models: []models.Status{{Model: models.Linearizable, State: models.StateHolds}}, Metrics: &campaign.Metrics{AvailDuring: avail}}
		r.ID, r.Target, r.Mode = id, "kv", "serial"
		return r
	}
	tab := modelTableOf([]campaign.Result{run("a", &a), run("b", &b), run("c", nil)})
	if got := tab.Rows[0].Avail; got != "75%" {
		t.Errorf("availability %q, want 75%% (the mean of 50%% and 100%%; the run without it left out)", got)
	}
}
