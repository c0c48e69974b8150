package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/faultline/faultline/campaign"
	"github.com/faultline/faultline/models"
)

// modelTable is the campaign page's lead table: a row per target and
// mode, a column per consistency model any run decided.
type modelTable struct {
	Heads []string
	Rows  []modelTableRow
}

type modelTableRow struct {
	Name  string
	Cells []modelCell
	Runs  int
	// Avail is the share of client ops invoked during a fault that
	// completed ok, over the row's runs ("–" when none measured it).
	Avail string
}

type modelCell struct{ Class, Text, Title, Href string }

// modelTableOf merges each target and mode's runs: a model is ruled out
// when any run ruled it out (the cell links to the first such run), holds
// when every run found it to hold, and is not checked otherwise.
func modelTableOf(rs []campaign.Result) modelTable {
	var t modelTable
	seen := map[models.Model]bool{}
	type group struct {
		name string
		runs []campaign.Result
	}
	var groups []*group
	byName := map[string]*group{}
	for _, r := range rs {
		if len(r.Models) == 0 {
			continue
		}
		for _, s := range r.Models {
			seen[s.Model] = true
		}
		name := r.Target + " · " + r.Mode
		g := byName[name]
		if g == nil {
			g = &group{name: name}
			byName[name] = g
			groups = append(groups, g)
		}
		g.runs = append(g.runs, r)
	}
	var cols []models.Model
	for _, m := range models.All() {
		if seen[m] {
			cols = append(cols, m)
			t.Heads = append(t.Heads, string(m))
		}
	}
	for _, g := range groups {
		row := modelTableRow{Name: g.name, Runs: len(g.runs), Avail: availDuring(g.runs)}
		for _, m := range cols {
			row.Cells = append(row.Cells, mergeModel(m, g.runs))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func mergeModel(m models.Model, runs []campaign.Result) modelCell {
	holds := 0
	for _, r := range runs {
		i := slices.IndexFunc(r.Models, func(s models.Status) bool { return s.Model == m })
		if i < 0 {
			continue
		}
		s := r.Models[i]
		switch s.State {
		case models.StateRuledOut:
			c := modelCell{Class: "ruled-out", Text: "✗", Href: runHref(r),
				Title: fmt.Sprintf("%s: ruled out in run %s", m, r.ID)}
			if len(s.Anomalies) > 0 {
				c.Text = "✗ " + strings.TrimSuffix(string(s.Anomalies[0]), "-violation")
				c.Title += " by " + string(s.Anomalies[0])
			}
			return c
		case models.StateHolds:
			holds++
		}
	}
	if holds == len(runs) {
		return modelCell{Class: "holds", Text: "✓", Title: fmt.Sprintf("%s holds in all %d runs", m, len(runs))}
	}
	return modelCell{Class: "not-checked", Text: "–", Title: fmt.Sprintf("%s: checked and holding in %d of %d runs, ruled out in none", m, holds, len(runs))}
}

// availDuring pools the runs' availability during faults: the mean of the
// runs that measured it, so each run weighs the same.
func availDuring(runs []campaign.Result) string {
	sum, n := 0.0, 0
	for _, r := range runs {
		if r.Metrics != nil && r.Metrics.AvailDuring != nil && !math.IsNaN(*r.Metrics.AvailDuring) {
			sum += *r.Metrics.AvailDuring
			n++
		}
	}
	if n == 0 {
		return "–"
	}
	return pctOrDash(&[]float64{sum / float64(n)}[0])
}
