package reports

import (
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// anomalyMarks are the times the plots mark for res: for each checker
// that found h not linearizable, when the op that cannot be linearized
// completed, the time the report's explanation gives the anomaly (and
// its fault strip marks).
func anomalyMarks(h history.History, res checker.Results) []int64 {
	var marks []int64
	for _, name := range sortedKeys(res.Checkers) {
		r := res.Checkers[name]
		if r.Verdict != checker.Invalid {
			continue
		}
		if a := linAnomaly(r); a != nil {
			if t := anomalyView(h, *a, nil).Time; t > 0 {
				marks = append(marks, t)
			}
		}
	}
	return marks
}
