package session

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// checkerKeys is the checker's per-key answer for model m.
func checkerKeys(t *testing.T, h history.History, m Model) map[string]oStatus {
	t.Helper()
	keys, _, err := readHistory(h)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]oStatus{}
	for name, k := range keys {
		if k.unknown != "" {
			out[name] = oUnknown
			continue
		}
		var c *constraints
		if k.unsourced < 0 {
			c = constrain(k)
		}
		if decide(k, c, m) != nil {
			out[name] = oViolated
		} else {
			out[name] = oHolds
		}
	}
	return out
}

// overall is a model's answer for a whole history from per-key answers.
func overall(keys map[string]oStatus) oStatus {
	st := oHolds
	for _, s := range keys {
		if s == oViolated {
			return oViolated
		}
		if s == oUnknown {
			st = oUnknown
		}
	}
	return st
}

// TestOracleAgreement holds the checker to the brute-force oracle on
// random tiny histories (at most 3 sessions, 6 ops, 2 keys), per key and
// for every model, in both directions, and the oracle's variants to the
// plain definitions: Terry's visibility clauses change no answer, and
// Viotti and Vukolić's causal consistency is the four guarantees together.
// Seeded: the same histories every run.
func TestOracleAgreement(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 3000
	}
	seed, ops := uint64(20260101), 6
	if s := os.Getenv("SESSION_ORACLE_SEED"); s != "" { // for exploring further, by hand
		seed, _ = strconv.ParseUint(s, 10, 64)
		if s := os.Getenv("SESSION_ORACLE_N"); s != "" {
			n, _ = strconv.Atoi(s)
		}
		if s := os.Getenv("SESSION_ORACLE_OPS"); s != "" {
			ops, _ = strconv.Atoi(s)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	// plain: violated with no read of a value never written anywhere in
	// the history (such a read rules out every model at once).
	type tally struct{ holds, violated, plain, unknown, keysViolated int }
	stats := map[Model]*tally{}
	for _, m := range AllModels() {
		stats[m] = &tally{}
	}
	variants := 0
	cover := coverage{}
	for i := range n {
		h := genTiny(rng, tinyOpts{procs: 3, ops: ops, keys: 2, pDup: 0.02})
		if err := h.Validate(); err != nil {
			t.Fatalf("history %d: %v", i, err)
		}
		res := Checker{}.Check(context.Background(), h)
		keys, _, _ := readHistory(h)
		unsourced := false
		for _, k := range keys {
			unsourced = unsourced || k.unsourced >= 0
			cover.note(k)
		}
		cover.afterInfo(h)
		models := res.Details["models"].(map[string]ModelResult)
		for _, m := range AllModels() {
			want := oracle(h, oracleModel(m))
			got := checkerKeys(t, h, m)
			for k, w := range want {
				if got[k] != w {
					t.Fatalf("history %d, model %s, key %q: checker %s, oracle %s\n%s", i, m, k, got[k], w, dump(h))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("history %d: checker keys %v, oracle keys %v", i, got, want)
			}
			st := stats[m]
			switch overall(want) {
			case oHolds:
				st.holds++
			case oViolated:
				st.violated++
				if !unsourced {
					st.plain++
				}
			default:
				st.unknown++
			}
			for _, s := range want {
				if s == oViolated {
					st.keysViolated++
				}
			}
			// The whole result says the same.
			mr := models[string(m)]
			switch o := overall(want); {
			case o == oViolated && mr.Status != RuledOut,
				o != oViolated && mr.Status == RuledOut,
				o == oUnknown && mr.Status == Holds:
				t.Fatalf("history %d, model %s: result %s (%s), oracle %s\n%s", i, m, mr.Status, res.Summary, o, dump(h))
			}
			if mr.Status == RuledOut && res.Anomalies[m.Anomaly()] != mr.ViolatingKeys {
				t.Fatalf("history %d: anomalies %v, model result %+v", i, res.Anomalies, mr)
			}
		}
		// The variants, on the models they bear on.
		for _, c := range []struct {
			m Model
			v oModel
		}{
			{MonotonicWrites, oModel{mw: true, terry: true}},
			{WritesFollowReads, oModel{wfr: true, terry: true}},
			{PRAM, oModel{mr: true, mw: true, ryw: true, terry: true}},
			{Causal, oModel{mr: true, mw: true, ryw: true, wfr: true, terry: true}},
			{Causal, oModel{hb: true}},
		} {
			if got, want := oracle(h, c.v), oracle(h, oracleModel(c.m)); !mapsEqual(got, want) {
				t.Fatalf("history %d: variant %+v says %v, %s says %v\n%s", i, c.v, got, c.m, want, dump(h))
			}
			variants++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d random histories, per model (oracle = checker on every key):\n", n)
	for _, m := range AllModels() {
		st := stats[m]
		fmt.Fprintf(&b, "  %-20s holds %5d  violated %5d (%5d without a read of a value never written)  unknown %4d  (violating keys %d)\n", m, st.holds, st.violated, st.plain, st.unknown, st.keysViolated)
	}
	fmt.Fprintf(&b, "  variant checks agreeing with the plain definitions: %d", variants)
	fmt.Fprintf(&b, "\n  coverage: %s", cover)
	t.Log(b.String())
	for what, n := range cover {
		if n == 0 {
			t.Errorf("no history has %s", what)
		}
	}
	for _, m := range AllModels() {
		if st := stats[m]; st.holds < n/10 || st.violated < n/20 || st.unknown == 0 {
			t.Errorf("%s: too few of some answer to mean anything: %+v", m, *st)
		}
	}
}

func mapsEqual(a, b map[string]oStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// dump writes h one op a line, for failure messages.
func dump(h history.History) string {
	var lines []string
	for _, o := range h {
		lines = append(lines, fmt.Sprintf("%3d p%-2s %-6s %-5s key=%s value=%s", o.Index, o.Process, o.Type, o.F, o.Key, o.Value))
	}
	slices.Sort(lines[:0])
	return strings.Join(lines, "\n")
}

// coverage counts the cases the random histories reach, by what.
type coverage map[string]int

func (c coverage) note(k *keyHist) {
	c["keys with a seen indeterminate write"] += min(k.seen, 1)
	c["keys with a dropped indeterminate write"] += min(k.unseen, 1)
	if k.unsourced >= 0 || k.unknown != "" {
		return
	}
	cas := false
	for _, o := range k.ops {
		cas = cas || (o.in && o.f == 'c')
	}
	if cas {
		c["keys with a cas"]++
	}
	cons := constrain(k)
	for _, m := range AllModels() {
		w := decide(k, cons, m)
		switch {
		case w == nil:
		case len(w.Steps) == 0:
			c["conflicts"]++
		case len(w.Steps) == 2:
			c["2-cycles"]++
		default:
			c["longer cycles"]++
		}
	}
	for _, p := range cons.parts {
		for _, f := range p.conflicts {
			c[[]string{"unsourced-read conflicts", "initial-after-read conflicts", "initial-after-write conflicts", "read-own-future conflicts"}[f.kind]]++
		}
	}
}

// afterInfo counts histories where a process issues ops after an info.
func (c coverage) afterInfo(h history.History) {
	info := map[history.Process]bool{}
	for _, o := range h {
		if o.Type == history.Invoke && info[o.Process] {
			c["histories with ops after an info in the same process"]++
			return
		}
		if o.Type == history.Info {
			info[o.Process] = true
		}
	}
}

func (c coverage) String() string {
	var parts []string
	for k, n := range c {
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
