package history

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// agree checks the contract of parseFast against parseLine, the definition.
func agree(t testing.TB, line []byte) bool {
	var in interner
	fast, ok := parseFast(line, &in)
	if !ok {
		return false
	}
	slow, p := parseLine(line)
	if p != nil {
		t.Fatalf("parseFast accepted %q, which parseLine rejects: %s", line, p.What)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("parseFast(%q) = %+v, parseLine = %+v", line, fast, slow)
	}
	return true
}

func sampleLines() [][]byte {
	ops := []Op{
		{Index: 0, Time: 12, Process: 3, Type: Invoke, F: "write", Key: "k1", Value: Raw(7), Node: "n1"},
		{Index: 1, Time: 99, Process: 3, Type: OK, F: "read", Key: "k1", Value: Raw(nil)},
		{Index: 2, Time: 100, Process: Nemesis, Type: Info, F: "start-partition", Value: Raw(map[string][]string{"n1": {"n2", "n3"}}), Error: "timed out: \"x\""},
		{Index: 3, Time: 101, Process: 0, Type: Fail, F: "cas", Key: "ключ", Value: Raw([]any{1, nil, "a,b]}"}), Error: "no"},
		{Index: 4, Time: -1, Process: 12, Type: "bogus", F: "enqueue", Value: Raw(-3.5e7)},
	}
	var lines [][]byte
	for _, o := range ops {
		b, _ := json.Marshal(o)
		lines = append(lines, b)
	}
	lines = append(lines,
		[]byte(`{"index":1,"time":2,"process":3,"type":"ok","f":"read","value":null,"key":null}`),
		[]byte(`{"index":1,"time":2,"process":3,"type":"ok","f":"read","index":5}`),
		[]byte(`{"index":1,"time":2,"process":"nemesis","type":"ok","f":"x","extra":1}`),
		[]byte(`{"index": 1, "time": 2, "process": 3, "type": "ok", "f": "read"}`),
		[]byte(`{"Index":1,"time":2,"process":3,"type":"ok","f":"read"}`),
		[]byte(`{"index":01,"time":2,"process":3,"type":"ok","f":"read"}`),
		[]byte(`{"index":1.0,"time":2,"process":3,"type":"ok","f":"read"}`),
		[]byte(`{"index":1,"time":2,"process":-1,"type":"ok","f":"read"}`),
		[]byte(`{"index":1,"time":2,"process":3,"type":"ok","f":"re\u0041d"}`),
		[]byte(`{"index":1,"time":2,"process":3,"type":null,"f":"read"}`),
		[]byte(`{"index":1,"time":2,"process":3,"type":"ok","f":"read","value":[1,}`),
		[]byte(`{"index":1,"time":2,"process":3,"type":"ok","f":"read"}x`),
	)
	return lines
}

func TestParseFastAgrees(t *testing.T) {
	accepted := 0
	for _, l := range sampleLines() {
		if agree(t, l) {
			accepted++
		}
	}
	if accepted < 5 {
		t.Fatalf("parseFast accepted only %d of the writer's own lines", accepted)
	}
	// Random mutations of valid lines: whatever parseFast accepts, parseLine
	// must decode identically.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`{}[]",:\ 0123456789-.enulltrfa` + "\x00\xff")
	for range 50000 {
		l := bytes.Clone(sampleLines()[rng.IntN(5)])
		for range 1 + rng.IntN(3) {
			p := rng.IntN(len(l))
			switch rng.IntN(3) {
			case 0:
				l = append(l[:p], l[p+1:]...)
			case 1:
				l[p] = alphabet[rng.IntN(len(alphabet))]
			default:
				l = append(l[:p], append([]byte{alphabet[rng.IntN(len(alphabet))]}, l[p:]...)...)
			}
		}
		agree(t, l)
	}
}

func FuzzParseFast(f *testing.F) {
	for _, l := range sampleLines() {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) { agree(t, line) })
}
