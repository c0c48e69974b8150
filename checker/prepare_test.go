package checker

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/bench"
	"github.com/faultline/faultline/history"
)

// naivePrepare is the obvious two-pass version of prepare (pair everything,
// then encode), the oracle the streaming preparer must agree with.
func naivePrepare(m Model, h history.History) (*prepared, error) {
	p := &prepared{keys: map[string][]porcupine.Operation{}}
	for _, o := range h {
		if o.Time >= p.endOfTime {
			p.endOfTime = min(o.Time, math.MaxInt64-1) + 1
		}
	}
	for _, pr := range h.Pairs() {
		inv := pr.Invoke
		if inv.IsNemesis() || inv.F == FinalRead {
			continue
		}
		switch pr.Type() {
		case history.OK:
			p.counts.OK++
		case history.Fail:
			p.counts.Fail++
		default:
			if pr.Open() {
				p.counts.Open++
			} else {
				p.counts.Info++
			}
		}
		in, out, keep, err := m.encode(inv, pr.Completion)
		if err != nil {
			return nil, err
		}
		if !keep {
			p.counts.Dropped++
			continue
		}
		ret := p.endOfTime
		meta := &opMeta{Index: inv.Index, Process: inv.Process, Node: inv.Node, Type: pr.Type()}
		if c := pr.Completion; c != nil {
			meta.Error = c.Error
			if c.Node != "" {
				meta.Node = c.Node
			}
			if c.Type == history.OK {
				ret = max(c.Time, inv.Time)
			}
		}
		p.keys[inv.Key] = append(p.keys[inv.Key], porcupine.Operation{
			ClientId: int(inv.Process), Input: in, Call: inv.Time, Output: out, Return: ret, Metadata: meta,
		})
	}
	return p, nil
}

func TestPrepareAgreesWithNaivePairing(t *testing.T) {
	files, _ := filepath.Glob("testdata/register-*.jsonl")
	if len(files) == 0 {
		t.Fatal("no register fixtures")
	}
	var buf bytes.Buffer
	if err := bench.WriteRegister(&buf, bench.RegisterOptions{Ops: 3000, Keys: 7, Processes: 9, Seed: 3, InfoPercent: 10}); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(t.TempDir(), "generated.jsonl")
	if err := os.WriteFile(gen, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, gen)
	m := CASRegister()
	for _, f := range files {
		h, err := history.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := naivePrepare(m, h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.prepare(h)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: prepare differs from the naive pairing:\n got %+v\nwant %+v", f, got, want)
		}
		streamed, err := prepareFile(m, f, "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(streamed, want) {
			t.Errorf("%s: streamed prepare differs from the naive pairing", f)
		}
	}
}

func TestGeneratedRegisterHistoryIsLinearizable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reg.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.WriteRegister(f, bench.RegisterOptions{Ops: 20000, Keys: 50, Processes: 20, Seed: 9, InfoPercent: 2}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := AnalyzeFile(context.Background(), path, "cas-register", "jsonl", Linearizable{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != Valid {
		t.Fatalf("generated history: %s: %s", res.Verdict, res.Summary)
	}
	// Corrupt one read: the checker must now reject it.
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.Contains(l, `"type":"ok","f":"read","key":"k3","value":`) {
			lines[i] = l[:strings.LastIndex(l, `"value":`)] + `"value":999999999}`
			break
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = AnalyzeFile(context.Background(), path, "cas-register", "jsonl", Linearizable{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != Invalid || IllegalKeys(res)[0] != "k3" {
		t.Fatalf("corrupted generated history: %s %v: %s", res.Verdict, IllegalKeys(res), res.Summary)
	}
}
