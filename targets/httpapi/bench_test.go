package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHTTPClientRoundTrip is the built-in targets' client path, one
// request after another over a kept-alive loopback connection to a server
// that answers at once: the figure to set beside execclient's
// BenchmarkExecClientRoundTrip. The CPU per op counts this process, which
// here holds the server as well as the client.
func BenchmarkHTTPClientRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":5}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, 10*time.Second, Options{})
	defer c.Close()
	var out struct{ Value int64 }
	one := func() {
		if f := c.Do(context.Background(), http.MethodGet, c.Base()+"/kv/k1", nil, &out); f != nil {
			b.Fatalf("get: %+v", f)
		}
	}
	one()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		one()
	}
	b.StopTimer()
	elapsed := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}
