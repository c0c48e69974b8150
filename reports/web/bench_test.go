package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
)

const benchRuns = 5000

// makeBenchStore writes a store of 5,000 synthetic runs, one in ten
// invalid with an anomaly to locate in its history of 200 ops. (b.Loop
// starts the timer after it.)
func makeBenchStore(b *testing.B) string {
	dir := b.TempDir()
	for i := range benchRuns {
		v := checker.Valid
		if i%10 == 0 {
			v = checker.Invalid
		}
		name := []string{"register-paxos", "register-naive", "queue-raft", "set-crdt"}[i%4]
		writeSynth(b, dir, synthRun{Name: name, Stamp: stamp(i), Verdict: v, ClientOps: 100, End: 60e9})
	}
	return dir
}

func benchGet(b *testing.B, h http.Handler, p string) {
	req := httptest.NewRequest(http.MethodGet, p, nil)
	req.Host = "localhost"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-path=`) {
		b.Fatalf("GET %s: %d", p, rec.Code)
	}
}

// BenchmarkIndexWarm is a page of the listing of 5,000 runs once serve
// has read them: what each request costs a user paging through.
func BenchmarkIndexWarm(b *testing.B) {
	store := makeBenchStore(b)
	h, err := New(store)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	benchGet(b, h, "/")
	for b.Loop() {
		benchGet(b, h, "/?page=7")
	}
}

// BenchmarkIndexCold is the first request of a fresh serve over the same
// store: every test.json, results.json and history read.
func BenchmarkIndexCold(b *testing.B) {
	store := makeBenchStore(b)
	for b.Loop() {
		h, err := New(store)
		if err != nil {
			b.Fatal(err)
		}
		benchGet(b, h, "/")
		h.Close()
	}
}

// BenchmarkIndexSearch is a search over the 5,000 runs, warm.
func BenchmarkIndexSearch(b *testing.B) {
	store := makeBenchStore(b)
	h, err := New(store)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	benchGet(b, h, "/")
	for b.Loop() {
		benchGet(b, h, "/?q=paxos&verdict=invalid")
	}
}
