package checker

import (
	"slices"
	"sort"

	"github.com/faultline/faultline/models"
)

// summarizeModels is Results.Models: the lattice's verdict on what the
// checkers decided. The scope is every model some checker decides and
// every model weaker than one of those (so a linearizable history says
// that sequential consistency and the session guarantees hold too); nil
// when no checker decides a model.
func summarizeModels(rs map[string]Result) []models.Status {
	names := make([]string, 0, len(rs))
	for n := range rs {
		names = append(names, n)
	}
	sort.Strings(names)
	var scope []models.Model
	ev := models.Evidence{Holds: map[models.Model]string{}, Checked: map[models.Model]string{}}
	for _, n := range names {
		r := rs[n]
		for _, m := range r.Decides {
			scope = append(scope, m)
			scope = append(scope, models.Weaker(m)...)
			if r.Verdict == Unknown && !slices.Contains(r.Verified, m) {
				if _, ok := ev.Checked[m]; !ok {
					ev.Checked[m] = "checker " + n + " could not decide it: " + r.Summary
				}
			}
		}
		for _, m := range r.Verified {
			if _, ok := ev.Holds[m]; !ok {
				ev.Holds[m] = n
			}
		}
		ev.Found = append(ev.Found, r.Found...)
	}
	if len(scope) == 0 {
		return nil
	}
	// In All's order, each once.
	var ordered []models.Model
	for _, m := range models.All() {
		if slices.Contains(scope, m) {
			ordered = append(ordered, m)
		}
	}
	return models.Summarize(ev, ordered)
}
