package session

import (
	"context"
	"strings"
	"testing"
)

// fixture is a named history and what each model must say of it.
type fixture struct {
	name  string
	ops   []string
	holds string // the models that must hold, by initials: r m w f p c; the others must be ruled out
	// why, when set, is a phrase the first ruled-out model's witness must say.
	why string
}

var initials = map[byte]Model{'r': ReadYourWrites, 'm': MonotonicReads, 'w': MonotonicWrites, 'f': WritesFollowReads, 'p': PRAM, 'c': Causal}

var fixtures = []fixture{
	{name: "ryw: write 5, then read the initial nil",
		ops:   []string{"0 write x 5", "0 read x nil"},
		holds: "mwf", why: "process 0 wrote 5 (op 0) and then read the initial nil (op 2): under read-your-writes, a session's reads reflect its own earlier writes"},
	{name: "ryw: another's later write may win",
		ops:   []string{"0 write x 1", "1 write x 2", "0 read x 2"},
		holds: "rmwfpc"},
	{name: "ryw alone: reading one's older write after a newer one",
		ops:   []string{"0 write x 1", "0 write x 2", "0 read x 1"},
		holds: "rmwf"},
	{name: "partition heal: read 2 then 1, where one session wrote 1 then 2",
		ops:   []string{"0 write x 1", "0 write x 2", "1 read x 2", "1 read x 1"},
		holds: "rmwf", why: "process 1 read 2 (op 4) and then read 1 (op 6), so 2 is before 1 (monotonic reads), but process 0 wrote 1 (op 0) and then wrote 2 (op 2), so 1 is before 2 (monotonic writes)"},
	{name: "mr: two sessions see two writes in opposite orders",
		ops:   []string{"0 write x 1", "1 write x 2", "2 read x 1", "2 read x 2", "3 read x 2", "3 read x 1"},
		holds: "rwf", why: "under monotonic reads, a session's reads never go back"},
	{name: "mr: back to the initial nil",
		ops:   []string{"0 write x 1", "1 read x 1", "1 read x nil"},
		holds: "rwf", why: "process 1 read 1 (op 2) and then read the initial nil (op 4): under monotonic reads, a session's reads never go back"},
	{name: "mr: 1, 2, 1",
		ops:   []string{"0 write x 1", "1 write x 2", "2 read x 1", "2 read x 2", "2 read x 1"},
		holds: "rwf"},
	{name: "mr: reads that only move forward",
		ops:   []string{"0 write x 1", "0 write x 2", "1 read x nil", "1 read x 1", "1 read x 1", "1 read x 2"},
		holds: "rmwfpc"},
	{name: "wfr: each session read the other's later write",
		ops:   []string{"0 read x 2", "0 write x 1", "1 read x 1", "1 write x 2"},
		holds: "rmwp", why: "under writes follow reads, a session's writes take effect after the writes it has read"},
	{name: "wfr: a read of the session's own later write",
		ops:   []string{"0 read x 1", "0 write x 1"},
		holds: "rmwp", why: "process 0 read 1 (op 0) and only later wrote 1 (op 2) itself: under writes follow reads, a session's writes take effect after the writes it has read, so that write would be after itself"},
	{name: "causal chain across sessions: 1 read before writing 2, then 2 read before 1",
		ops:   []string{"0 write x 1", "1 read x 1", "1 write x 2", "2 read x 2", "2 read x 1"},
		holds: "rmwfp"},
	{name: "pram not causal: read 1, write 2, read 1",
		ops:   []string{"1 write x 1", "0 read x 1", "0 write x 2", "0 read x 1"},
		holds: "rmwfp"},
	{name: "cas: old is before new under writes follow reads",
		ops:   []string{"0 write x 1", "1 cas x 1 2", "2 read x 2", "2 read x 1"},
		holds: "rmwfp"},
	{name: "cas: two cas ops from the same old value both succeed",
		ops:   []string{"0 write x 1", "1 cas x 1 2", "2 cas x 1 3", "1 read x 2", "2 read x 3"},
		holds: "rmwfpc"},
	{name: "cas from the initial nil, then a read of nil by the same session",
		ops:   []string{"0 cas x nil 4", "0 read x nil"},
		holds: "mwf"},
	{name: "info write seen by a read: it happened, and a read went back to nil",
		ops:   []string{"0 write x 5 info", "1 read x 5", "1 read x nil"},
		holds: "rwf"},
	{name: "info write nobody read, then the same process reads nil",
		ops:   []string{"0 write x 5 info", "0 read x nil"},
		holds: "rmwfpc"},
	{name: "info write read elsewhere, then its own process read nil",
		ops:   []string{"0 write x 5 info", "0 read x nil", "1 read x 5"},
		holds: "mwf", why: "wrote 5 (op 0, which ended info, but 5 was read, so it happened) and then read the initial nil (op 2)"},
	{name: "indeterminate cas ops resolved through each other",
		ops:   []string{"0 write x 1", "1 cas x 1 2 info", "2 cas x 2 3 info", "3 read x 3"},
		holds: "rmwfpc"},
	{name: "info cas seen: its old is before its new",
		ops:   []string{"0 write x 1", "1 cas x 1 2 info", "2 read x 2", "2 read x 1"},
		holds: "rmwfp"},
	{name: "open write seen",
		ops:   []string{"0 write x 1", "1 write x 2 open", "2 read x 2", "2 read x 1", "3 read x 1", "3 read x 2"},
		holds: "rwf"},
	{name: "a failed write's value read",
		ops:   []string{"0 write x 5 fail", "1 read x 5"},
		holds: "", why: "no write of 5 to the key happened (none was issued, or it failed): under every model a read returns a written value or the initial nil"},
	{name: "a value never written read",
		ops:   []string{"0 write x 1", "1 read x 7"},
		holds: ""},
	{name: "keys checked apart, nemesis, failed and info reads ignored",
		ops: []string{"nemesis start-partition", "0 write x 1", "0 write y 1", "1 read y 1", "1 read x nil",
			"1 read x 1 fail", "2 read x 1 info", "nemesis stop-partition", "2 read x 1"},
		holds: "rmwfpc"},
	{name: "mr: three sessions, each two reads, round a cycle of three writes",
		ops:   []string{"0 write x 1", "1 write x 2", "2 write x 3", "3 read x 1", "3 read x 2", "4 read x 2", "4 read x 3", "5 read x 3", "5 read x 1"},
		holds: "rwf", why: `on key "x", process 5 read 3 (op 14) and then read 1 (op 16), so 3 is before 1; process 3 read 1 (op 6) and then read 2 (op 8), so 1 is before 2; and process 4 read 2 (op 10) and then read 3 (op 12), so 2 is before 3, a cycle no order of the writes can follow: under monotonic reads, a session's reads never go back`},
	{name: "an info write, then more ops by the same process",
		ops:   []string{"0 write x 5 info", "0 write x 6", "1 read x 6", "1 read x 5"},
		holds: "rmwf"},
	{name: "cas 3->3 of a value nobody else wrote: it read its own write",
		ops:   []string{"0 cas x 3 3"},
		holds: "rmwp"},
	{name: "failed cas dropped",
		ops:   []string{"0 write x 1", "0 cas x 7 2 fail", "0 read x 1"},
		holds: "rmwfpc"},
}

// TestFixtures checks each named history under each model.
func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			h := build(t, f.ops...)
			res := Checker{}.Check(context.Background(), h)
			t.Log(res.Summary)
			models := res.Details["models"].(map[string]ModelResult)
			var firstWhy string
			for _, m := range AllModels() {
				mr := models[string(m)]
				want := RuledOut
				for i := range len(f.holds) {
					if initials[f.holds[i]] == m {
						want = Holds
					}
				}
				if mr.Status != want {
					t.Errorf("%s: %s, want %s (%s)", m, mr.Status, want, res.Summary)
				}
				if mr.Status == RuledOut && firstWhy == "" {
					firstWhy = mr.Witness.Why
				}
				// The oracle agrees.
				o := overall(oracle(h, oracleModel(m)))
				if (o == oHolds) != (want == Holds) {
					t.Errorf("%s: the oracle says %s", m, o)
				}
			}
			if f.why != "" && !strings.Contains(firstWhy, f.why) {
				t.Errorf("first witness:\n%s\nwant it to say:\n%s", firstWhy, f.why)
			}
			wantVerdict := "valid"
			if len(f.holds) < 6 {
				wantVerdict = "invalid"
			}
			if string(res.Verdict) != wantVerdict {
				t.Errorf("verdict %s, want %s: %s", res.Verdict, wantVerdict, res.Summary)
			}
		})
	}
}

// TestFixtureWitness checks a witness whole: its key, ops and steps.
func TestFixtureWitness(t *testing.T) {
	h := build(t, "0 write x 1", "1 write x 2", "2 read x 1", "2 read x 2", "3 read x 2", "3 read x 1")
	res := Checker{Models: []Model{MonotonicReads}}.Check(context.Background(), h)
	w := res.Details["models"].(map[string]ModelResult)[string(MonotonicReads)].Witness
	if w == nil || w.Key != "x" || !slicesEqual(w.Ops, []int64{4, 6, 8, 10}) || len(w.Steps) != 2 {
		t.Fatalf("witness %+v", w)
	}
	want := `on key "x", process 3 read 2 (op 8) and then read 1 (op 10), so 2 is before 1, but process 2 read 1 (op 4) and then read 2 (op 6), so 1 is before 2: under monotonic reads, a session's reads never go back`
	if w.Why != want {
		t.Errorf("why:\n%s\nwant:\n%s", w.Why, want)
	}
	s := w.Steps[0]
	if s.Guarantee != MonotonicReads || s.Process != 3 || s.Earlier != 8 || s.Later != 10 || s.Before != "2" || s.After != "1" {
		t.Errorf("step %+v", s)
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
