package nemesis

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

func TestPlanShape(t *testing.T) {
	interval, duration := 10*time.Second, 300*time.Second
	for seed := int64(0); seed < 100; seed++ {
		steps := Plan(seed, []string{"partition", "kill"}, interval, duration)
		if len(steps) < 4 || len(steps)%2 != 0 {
			t.Fatalf("seed %d: %d steps", seed, len(steps))
		}
		if steps[0].At != interval {
			t.Fatalf("seed %d: first fault at %v", seed, steps[0].At)
		}
		for i := 0; i < len(steps); i += 2 {
			start, stop := steps[i], steps[i+1]
			if start.Op.Process != history.Nemesis || start.Op.Type != history.Invoke {
				t.Fatalf("seed %d: step %d op %+v", seed, i, start.Op)
			}
			switch start.Op.F {
			case "start-partition":
				var kind string
				if err := json.Unmarshal(start.Op.Value, &kind); err != nil || !slices.Contains(GrudgeKinds(), kind) {
					t.Fatalf("seed %d: partition value %s", seed, start.Op.Value)
				}
				if stop.Op.F != "stop-partition" {
					t.Fatalf("seed %d: %s stopped by %s", seed, start.Op.F, stop.Op.F)
				}
			case "kill":
				if stop.Op.F != "start" {
					t.Fatalf("seed %d: kill stopped by %s", seed, stop.Op.F)
				}
			default:
				t.Fatalf("seed %d: unexpected f %s", seed, start.Op.F)
			}
			hold := stop.At - start.At
			if hold < interval/4 || hold > interval*5/4 {
				t.Fatalf("seed %d: hold %v", seed, hold)
			}
			if i > 0 {
				if quiet := start.At - steps[i-1].At; quiet < interval*3/4 || quiet > interval*5/4 {
					t.Fatalf("seed %d: quiet %v", seed, quiet)
				}
			}
		}
		if last := steps[len(steps)-1].At; last >= duration {
			t.Fatalf("seed %d: last stop at %v, duration %v", seed, last, duration)
		}
	}
}

func TestPlanDeterministic(t *testing.T) {
	a := FormatPlan(Plan(7, []string{"partition", "kill"}, 5*time.Second, time.Minute))
	b := FormatPlan(Plan(7, []string{"partition", "kill"}, 5*time.Second, time.Minute))
	c := FormatPlan(Plan(8, []string{"partition", "kill"}, 5*time.Second, time.Minute))
	if a != b {
		t.Fatalf("same seed, different plans:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatalf("seeds 7 and 8 gave the same plan:\n%s", a)
	}
	if !strings.Contains(a, "      5.000s  ") {
		t.Fatalf("plan does not start at the interval:\n%s", a)
	}
}

func TestPlanEdges(t *testing.T) {
	if s := Plan(1, nil, time.Second, time.Minute); s != nil {
		t.Fatalf("no faults: %v", s)
	}
	if s := Plan(1, []string{"partition"}, 0, time.Minute); s != nil {
		t.Fatalf("zero interval: %v", s)
	}
	if s := Plan(1, []string{"partition"}, time.Minute, 30*time.Second); s != nil {
		t.Fatalf("duration shorter than interval: %v", s)
	}
	s := Plan(1, []string{"flood"}, time.Second, 5*time.Second)
	if len(s) == 0 || s[0].Op.F != "start-flood" || s[1].Op.F != "stop-flood" {
		t.Fatalf("unregistered fault planned as %v", s)
	}
	if got := FormatPlan(nil); got != "(no faults scheduled)\n" {
		t.Fatalf("FormatPlan(nil) = %q", got)
	}
	got := FormatPlan([]Step{{At: 1500 * time.Millisecond, Op: history.Op{F: "start-partition", Value: json.RawMessage(`"bridge"`)}}, {At: 3 * time.Second, Op: history.Op{F: "stop-partition"}}})
	want := "      1.500s  start-partition  \"bridge\"\n      3.000s  stop-partition\n"
	if got != want {
		t.Fatalf("FormatPlan = %q, want %q", got, want)
	}
}

func TestPlanPauseAndClock(t *testing.T) {
	interval, duration := 10*time.Second, 600*time.Second
	seen := map[string]int{}
	for seed := int64(0); seed < 50; seed++ {
		steps := Plan(seed, []string{"pause", "clock"}, interval, duration)
		if len(steps) < 4 || len(steps)%2 != 0 {
			t.Fatalf("seed %d: %d steps", seed, len(steps))
		}
		for i := 0; i < len(steps); i += 2 {
			start, stop := steps[i].Op, steps[i+1].Op
			want := map[string]string{"pause": "resume", "bump-clock": "reset-clock", "strobe-clock": "reset-clock"}[start.F]
			if want == "" || stop.F != want {
				t.Fatalf("seed %d: %s stopped by %s", seed, start.F, stop.F)
			}
			var mode string
			if err := json.Unmarshal(start.Value, &mode); err != nil || !slices.Contains(SubsetModes(), mode) {
				t.Fatalf("seed %d: %s value %s", seed, start.F, start.Value)
			}
			seen[start.F]++
		}
	}
	for _, f := range []string{"pause", "bump-clock", "strobe-clock"} {
		if seen[f] == 0 {
			t.Fatalf("50 seeds never planned %s: %v", f, seen)
		}
	}
	faults := []string{"partition", "kill", "pause", "clock"}
	a := FormatPlan(Plan(11, faults, 5*time.Second, 2*time.Minute))
	b := FormatPlan(Plan(11, faults, 5*time.Second, 2*time.Minute))
	if a != b {
		t.Fatalf("same seed, different plans:\n%s\n%s", a, b)
	}
	if a == FormatPlan(Plan(12, faults, 5*time.Second, 2*time.Minute)) {
		t.Fatal("seeds 11 and 12 gave the same plan")
	}
}

// TestPlanUnchangedForOldFaults pins the plan of a partition,kill mix, so
// adding families (and their extra rng draws) never reshuffles old seeds.

// TestPlanEveryFaultBeforeRepeats: in any seed, the first len(faults)
// faults of a plan are all different, so a short run still tries each.
func TestPlanEveryFaultBeforeRepeats(t *testing.T) {
	faults := []string{"partition", "kill", "pause", "clock"}
	family := map[string]string{"start-partition": "partition", "kill": "kill", "pause": "pause", "bump-clock": "clock", "strobe-clock": "clock"}
	for seed := int64(0); seed < 100; seed++ {
		seen := map[string]bool{}
		n := 0
		for _, st := range Plan(seed, faults, 5*time.Second, 5*time.Minute) {
			fam, ok := family[st.Op.F]
			if !ok {
				continue
			}
			if n < len(faults) {
				if seen[fam] {
					t.Fatalf("seed %d: %s repeated before every fault ran once", seed, fam)
				}
				seen[fam] = true
			}
			n++
		}
		if len(seen) != len(faults) {
			t.Fatalf("seed %d: only %v planned", seed, seen)
		}
	}
}
func TestPlanUnchangedForOldFaults(t *testing.T) {
	got := FormatPlan(Plan(7, []string{"partition", "kill"}, 5*time.Second, 30*time.Second))
	if got != planSeed7 {
		t.Fatalf("plan for seed 7 changed:\n%s\nwant:\n%s", got, planSeed7)
	}
}

// planSeed7 is the plan seed 7 gives since faults are drawn from a
// shuffled bag (every fault once before any twice).
const planSeed7 = `      5.000s  kill             "minority"
      9.197s  start
     14.258s  start-partition  "halves"
     19.797s  stop-partition
     24.061s  start-partition  "halves"
     28.292s  stop-partition
`

// A target that says which nodes lead gets isolate-primaries among its
// planned partitions; any other target's plans never draw it and stay
// exactly what they were (so every recorded seed still means the same).
func TestPlanForPrimaries(t *testing.T) {
	faults := []string{"partition", "kill"}
	drawn := 0
	for seed := int64(1); seed <= 40; seed++ {
		plain := Plan(seed, faults, 5*time.Second, 60*time.Second)
		if !slices.Equal(stepStrings(plain), stepStrings(PlanFor(seed, faults, 5*time.Second, 60*time.Second, PlanOptions{}))) {
			t.Fatalf("seed %d: PlanFor without options differs from Plan", seed)
		}
		for _, s := range plain {
			if string(s.Op.Value) == `"`+IsolatePrimaries+`"` {
				t.Fatalf("seed %d: isolate-primaries planned for a target that cannot tell its primaries", seed)
			}
		}
		for _, s := range PlanFor(seed, faults, 5*time.Second, 60*time.Second, PlanOptions{Primaries: true}) {
			if string(s.Op.Value) == `"`+IsolatePrimaries+`"` {
				drawn++
			}
		}
	}
	// 40 seeds × about 3 partitions, one kind in 7: about 17 expected.
	if drawn < 5 {
		t.Errorf("isolate-primaries planned %d times in 40 seeds for a target with primaries", drawn)
	}
	if got := FormatPlan(Plan(7, faults, 5*time.Second, 30*time.Second)); got != planSeed7 {
		t.Errorf("plan for seed 7 changed:\n%s", got)
	}
}

func stepStrings(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.At.String()+" "+s.Op.F+" "+string(s.Op.Value))
	}
	return out
}
