package execclient_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/targets/execclient"
)

// BenchmarkExecClientRoundTrip drives one client process (the test binary
// as the echo client) op after op, each under its own timeout as the
// runner does; it reports ops/s and the CPU time the controller's side
// (this process, not the child) spends per op.
func BenchmarkExecClientRoundTrip(b *testing.B) {
	c, err := execclient.New(execclient.Config{
		Argv:   []string{os.Args[0], "-test.run=^$"},
		Env:    []string{modeEnv + "=ops"},
		Node:   "n1",
		LogDir: b.TempDir(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	op := history.Op{Process: 1, Type: history.Invoke, F: "echo", Key: "k1", Value: history.Raw(5), Node: "n1"}
	one := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got := c.Invoke(ctx, op)
		cancel()
		if got.Type != history.OK {
			b.Fatalf("echo: %+v", got)
		}
	}
	one() // start the process
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		one()
	}
	b.StopTimer()
	elapsed := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
}
