package reports

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/fault"
	"github.com/faultline/faultline/history"
)

func TestQuantileNearestRank(t *testing.T) {
	v := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]int64{0.5: 5, 0.95: 10, 0.99: 10, 0.1: 1, 0.11: 2, 1: 10} {
		if got := Quantile(v, q); got != want {
			t.Errorf("Quantile(1..10, %v) = %d, want %d", q, got, want)
		}
	}
	if got := Quantile([]int64{42}, 0.5); got != 42 {
		t.Errorf("single value: %d", got)
	}
}

func TestLatencyWindows(t *testing.T) {
	ms := int64(time.Millisecond)
	s := []Sample{
		{Time: 0, Latency: 10 * ms}, {Time: 100 * ms, Latency: 30 * ms}, {Time: 999 * ms, Latency: 20 * ms},
		// nothing in [1s, 2s)
		{Time: 2500 * ms, Latency: 5 * ms},
	}
	got := LatencyWindows(s, time.Second)
	want := []Window{
		{Start: 0, End: 1e9, N: 3, P50: 20 * ms, P95: 30 * ms, P99: 30 * ms, Max: 30 * ms},
		{Start: 1e9, End: 2e9},
		{Start: 2e9, End: 3e9, N: 1, P50: 5 * ms, P95: 5 * ms, P99: 5 * ms, Max: 5 * ms},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("windows:\n got %+v\nwant %+v", got, want)
	}
}

func TestRates(t *testing.T) {
	ms := int64(time.Millisecond)
	s := []Sample{
		{Time: 0, Done: 100 * ms, F: "read", Type: history.OK},
		{Time: 300 * ms, Done: 400 * ms, F: "read", Type: history.OK},
		{Time: 550 * ms, Done: 600 * ms, F: "read", Type: history.Fail},
		{Time: 1100 * ms, Done: 1300 * ms, F: "write", Type: history.Info},
	}
	got := Rates(s, 500*time.Millisecond)
	// The last window is cut at the last completion (1.3s): its one op
	// is over 0.3s, not 0.5s.
	spans := [][2]int64{{0, 500 * ms}, {500 * ms, 1000 * ms}, {1000 * ms, 1300 * ms}}
	want := map[Series][]float64{
		{"read", history.OK}:    {4, 0, 0},
		{"read", history.Fail}:  {0, 2, 0},
		{"write", history.Info}: {0, 0, 1 / 0.3},
	}
	if len(got) != len(want) {
		t.Fatalf("rates: %d series, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		rs := got[k]
		if len(rs) != len(w) {
			t.Fatalf("%v: %d windows, want %d: %+v", k, len(rs), len(w), rs)
		}
		for i, r := range rs {
			if r.Start != spans[i][0] || r.End != spans[i][1] || math.Abs(r.PerSec-w[i]) > 1e-9 {
				t.Errorf("%v window %d = %+v, want [%d, %d) %v/s", k, i, r, spans[i][0], spans[i][1], w[i])
			}
		}
	}
}

// A load at a constant rate plots as that rate everywhere: the first and
// last windows, which the run covers only in part, show no dip.
func TestRatesUniformHaveNoEdgeDips(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, c := range []struct {
		start, end int64         // first invoke, last invoke
		every      int64         // one op invoked every
		w          time.Duration // window
	}{
		{200 * ms, 10170 * ms, 5 * ms, 500 * time.Millisecond}, // both edges partial, kept
		{300 * ms, 10100 * ms, 5 * ms, 500 * time.Millisecond}, // both edges slivers, dropped
		{0, 59990 * ms, 10 * ms, 2 * time.Second},              // from 0
		{1234 * ms, 61000 * ms, 4 * ms, time.Second},           // 250/s
		{90 * ms, 4321 * ms, 2 * ms, 100 * time.Millisecond},   // short windows
		{7 * ms, 29999 * ms, 20 * ms, 500 * time.Millisecond},  // a slow 50/s
		{5000 * ms, 5300 * ms, 1 * ms, 500 * time.Millisecond}, // shorter than a window
		{5100 * ms, 5400 * ms, 1 * ms, 500 * time.Millisecond}, // across a boundary, both halves small
		{100 * ms, 20000 * ms, 5 * ms, 3 * time.Second},        // 3s windows
		{2500 * ms, 600000 * ms, 25 * ms, 20 * time.Second},    // a long run
	} {
		var s []Sample
		for t := c.start; t <= c.end; t += c.every {
			f, typ := "read", history.OK
			if (t/c.every)%2 == 1 {
				f = "write"
			}
			s = append(s, Sample{Time: t, Done: t + 2*ms, Latency: 2 * ms, F: f, Type: typ})
		}
		perSec := 1e9 / float64(c.every)
		rates := Rates(s, c.w)
		var total []float64
		for _, k := range []Series{{"read", history.OK}, {"write", history.OK}} {
			rs := rates[k]
			if len(rs) == 0 {
				t.Fatalf("%+v: no %v rates", c, k)
			}
			for i, r := range rs {
				if i == len(total) {
					total = append(total, 0)
				}
				total[i] += r.PerSec
				if r.End <= r.Start || r.Start < c.start || r.End > c.end+2*ms {
					t.Errorf("%+v: window %d [%d, %d) outside the run's ops", c, i, r.Start, r.End)
				}
			}
		}
		for i, got := range total {
			if math.Abs(got-perSec)/perSec > 0.05 {
				t.Errorf("%+v: window %d: %.1f ops/s, want %.1f (within 5%%)", c, i, got, perSec)
			}
		}
	}
}

func TestSamplesAndAvailability(t *testing.T) {
	h := badRun()
	s := Samples(h)
	if len(s) != 6 {
		t.Fatalf("%d samples, want 6 (every completed client op)", len(s))
	}
	if s[0].Latency != 1e6 || s[0].F != "write" || s[0].Type != history.OK {
		t.Errorf("first sample %+v", s[0])
	}
	a := Avail(s, fault.Intervals(h))
	// During the partition (2s-6.1s): write k1 2 ok, write k2 fail, read ok;
	// during the kill (7s-9.1s): the info read. Outside: two oks.
	want := Availability{DuringOK: 2, DuringTotal: 4, OutsideOK: 2, OutsideTotal: 2,
		ByFamily: map[string][2]int{"partition": {2, 3}, "kill": {0, 1}}}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("availability %+v, want %+v", a, want)
	}
	if a.During() != 0.5 || a.Outside() != 1 || !math.IsNaN(Availability{}.During()) {
		t.Errorf("ratios %v %v", a.During(), a.Outside())
	}
}

// A cas refused by its semantics (the old value did not match) is an
// answer, not unavailability; a fail for any other reason is not.
func TestAvailabilityCountsRefusedAsAnswered(t *testing.T) {
	var b builder
	b.add(1*sec, 0, history.Invoke, "cas", "k", []int{1, 2}, "")
	b.add(1*sec+1e6, 0, history.Fail, "cas", "k", []int{1, 2}, history.Refused+"register: cas old value does not match")
	b.add(2*sec, 1, history.Invoke, "write", "k", 3, "")
	b.add(2*sec+1e6, 1, history.Fail, "write", "k", 3, "register: connection refused")
	b.add(3*sec, 2, history.Invoke, "read", "k", nil, "")
	b.add(3*sec+1e6, 2, history.OK, "read", "k", 3, "")
	a := Avail(Samples(b.h), nil)
	if a.OutsideOK != 2 || a.OutsideTotal != 3 {
		t.Fatalf("availability %+v, want 2 of 3 answered (the ok read and the refused cas)", a)
	}
}

func TestClockOffsets(t *testing.T) {
	var b builder
	b.nem(1*sec, history.Invoke, "bump-clock", nil)
	b.nem(2*sec, history.OK, "bump-clock", map[string]any{"offsets_ns": map[string]int64{"n2": -3e6, "n1": 5e8}})
	b.nem(3*sec, history.Invoke, "reset-clock", nil)
	// The readings taken while the skew was in place come with the next
	// op, each so long before it completed.
	b.nem(4*sec, history.OK, "reset-clock", map[string]any{"offsets_ns": map[string]int64{"n1": 0},
		"samples": []map[string]any{
			{"ago_ns": 1.5 * float64(sec), "offsets_ns": map[string]int64{"n1": 5e8 + 1}},
			{"ago_ns": 0.5 * float64(sec), "offsets_ns": map[string]int64{"n2": -3e6 + 2}},
			{"ago_ns": 9 * sec, "offsets_ns": map[string]int64{"n3": 7}}, // before the run: clamped to 0
			{"ago_ns": -sec, "offsets_ns": map[string]int64{"n3": 8}},    // after the op: clamped to it
		}})
	b.nem(5*sec, history.OK, "start-partition", map[string][]string{"n1": {"n2"}}) // not clock data
	got := ClockOffsets(b.h)
	want := []ClockSample{{0, "n3", 7}, {2 * sec, "n1", 5e8}, {2 * sec, "n2", -3e6},
		{2*sec + sec/2, "n1", 5e8 + 1}, {3*sec + sec/2, "n2", -3e6 + 2}, {4 * sec, "n3", 8}, {4 * sec, "n1", 0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("clock samples %+v, want %+v", got, want)
	}
	if ClockOffsets(badRun()) != nil {
		t.Error("a run without the clock nemesis has clock samples")
	}
}

func TestBucketWidth(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		time.Second: 100 * time.Millisecond, 20 * time.Second: 500 * time.Millisecond,
		60 * time.Second: 2 * time.Second, 10 * time.Minute: 20 * time.Second,
	} {
		if got := bucketWidth(d); got != want {
			t.Errorf("bucketWidth(%s) = %s, want %s", d, got, want)
		}
	}
}
