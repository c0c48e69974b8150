package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/models"
)

// printModels writes one line saying which consistency models the run's
// checkers found to hold, ruled out or could not check, strongest first:
//
//	models: holds linearizable, sequential, ...; ruled out -; not checked -
func printModels(w io.Writer, res checker.Results) {
	if len(res.Models) == 0 {
		return
	}
	by := map[models.State][]string{}
	for _, s := range res.Models {
		name := string(s.Model)
		if s.State == models.StateRuledOut && len(s.Anomalies) > 0 {
			name += " (" + string(s.Anomalies[0]) + ")"
		}
		by[s.State] = append(by[s.State], name)
	}
	list := func(st models.State) string {
		if len(by[st]) == 0 {
			return "-"
		}
		return strings.Join(by[st], ", ")
	}
	fmt.Fprintf(w, "models: holds %s; ruled out %s; not checked %s\n",
		list(models.StateHolds), list(models.StateRuledOut), list(models.StateNotChecked))
}
