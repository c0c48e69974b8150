package campaign

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
)

func TestJudge(t *testing.T) {
	harness := errors.New("node n3 unreachable")
	for _, tc := range []struct {
		expect  Expect
		verdict checker.Verdict
		code    int
		err     error
		met     bool
		miss    int
	}{
		{ExpectValid, checker.Valid, 0, nil, true, 0},
		{ExpectValid, checker.Invalid, 1, nil, false, 1},
		{ExpectValid, checker.Unknown, 2, nil, false, 2},
		{ExpectInvalid, checker.Invalid, 1, nil, true, 0}, // caught: a pass
		{ExpectInvalid, checker.Valid, 0, nil, false, 1},  // not caught: a failure
		{ExpectInvalid, checker.Unknown, 2, nil, false, 2},
		{ExpectAny, checker.Invalid, 1, nil, true, 0},
		{ExpectAny, checker.Unknown, 2, nil, true, 0},
		{ExpectAny, "", 255, harness, false, 255}, // a harness error always misses
		{ExpectInvalid, checker.Invalid, 0, harness, false, 255},
		{ExpectValid, "", 254, errors.New("netem unavailable"), false, 254},
	} {
		r := Judge(Cell{ID: "c", Expect: tc.expect}, tc.verdict, tc.code, tc.err)
		if r.Met != tc.met || r.MissCode() != tc.miss {
			t.Errorf("expect %s, verdict %q, code %d, err %v: met %v miss %d (%s), want met %v miss %d",
				tc.expect, tc.verdict, tc.code, tc.err, r.Met, r.MissCode(), r.Why, tc.met, tc.miss)
		}
		if !r.Met && r.Why == "" {
			t.Errorf("expect %s verdict %s: a miss without a reason", tc.expect, tc.verdict)
		}
	}
}

func TestExitCodeWorstOfMisses(t *testing.T) {
	res := func(codes ...int) []Result {
		var rs []Result
		for _, c := range codes {
			rs = append(rs, Result{Met: c == -1, Code: max(c, 0)})
		}
		return rs
	}
	for _, tc := range []struct {
		rs   []Result
		want int
	}{
		{nil, 0},
		{res(-1, -1), 0},
		{res(-1, 2), 2},
		{res(2, 1, -1), 1},
		{res(1, 255, 2), 255},
		{res(254, 1), 254},
		{res(0), 1}, // missed although valid: an expected anomaly not caught
	} {
		if got := ExitCode(tc.rs); got != tc.want {
			t.Errorf("ExitCode(%+v) = %d, want %d", tc.rs, got, tc.want)
		}
	}
}

func TestSummaryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := Parse("x.yaml", []byte(goodSpec), fakeResolve)
	if err != nil {
		t.Fatal(err)
	}
	n := 3
	sum := &Summary{Name: s.Name, Spec: "x.yaml", Cluster: s.Cluster, Cells: s.Cells, Start: time.Unix(0, 0).UTC(), Verdict: "running"}
	sum.Results = append(sum.Results, Judge(s.Cells[0], checker.Invalid, 1, nil))
	sum.Results[0].Metrics = &Metrics{Ops: 10, Anomalies: checker.Anomalies{checker.AnomalyStaleRead: n}}
	sum.Finish(time.Unix(60, 0))
	if sum.Verdict != "unknown" || sum.ExitCode != 2 || sum.Met != 1 {
		t.Errorf("a campaign cut short: verdict %s exit %d met %d", sum.Verdict, sum.ExitCode, sum.Met)
	}
	if err := sum.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sum) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, sum)
	}
	sum.Cells = sum.Cells[:1]
	sum.Finish(time.Unix(60, 0))
	if sum.Verdict != "valid" || sum.ExitCode != 0 {
		t.Errorf("all met: verdict %s exit %d", sum.Verdict, sum.ExitCode)
	}
}
