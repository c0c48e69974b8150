package bench

import (
	"bytes"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

func TestWriteRegisterIsDeterministicAndWellFormed(t *testing.T) {
	o := RegisterOptions{Ops: 2000, Keys: 10, Processes: 7, Seed: 5, InfoPercent: 5}
	var a, b bytes.Buffer
	if err := WriteRegister(&a, o); err != nil {
		t.Fatal(err)
	}
	if err := WriteRegister(&b, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different histories")
	}
	h, err := history.Read(&a, "generated")
	if err != nil {
		t.Fatalf("the generated history does not read back: %v", err)
	}
	if len(h) != 2*o.Ops {
		t.Fatalf("%d lines, want %d", len(h), 2*o.Ops)
	}
	s := Summarise(h)
	if s.OK+s.Fail+s.Info != o.Ops || s.Info == 0 || s.Fail == 0 {
		t.Fatalf("outcomes %+v: want %d ops with some fails and infos", s, o.Ops)
	}
	if err := WriteRegister(&a, RegisterOptions{}); err == nil {
		t.Fatal("zero options accepted")
	}
}

func TestSummarise(t *testing.T) {
	ms := int64(time.Millisecond)
	h := history.History{
		{Index: 0, Time: 0, Process: 0, Type: history.Invoke, F: "read"},
		{Index: 1, Time: 1 * ms, Process: 1, Type: history.Invoke, F: "write"},
		{Index: 2, Time: 2 * ms, Process: history.Nemesis, Type: history.Invoke, F: "start-partition"},
		{Index: 3, Time: 4 * ms, Process: 0, Type: history.OK, F: "read"},
		{Index: 4, Time: 11 * ms, Process: 1, Type: history.OK, F: "write"},
		{Index: 5, Time: 12 * ms, Process: 2, Type: history.Invoke, F: "cas"},
		{Index: 6, Time: 20 * ms, Process: 2, Type: history.Fail, F: "cas"},
		{Index: 7, Time: 30 * ms, Process: 0, Type: history.Invoke, F: "final-read"},
		{Index: 8, Time: 90 * ms, Process: 0, Type: history.OK, F: "final-read"},
	}
	s := Summarise(h)
	if s.OK != 2 || s.Fail != 1 || s.Info != 0 {
		t.Fatalf("counts %+v", s)
	}
	if s.Span != 20*time.Millisecond || s.P50 != 4*time.Millisecond || s.P99 != 10*time.Millisecond || s.Max != 10*time.Millisecond {
		t.Fatalf("span %s p50 %s p99 %s max %s; want 20ms 4ms 10ms 10ms", s.Span, s.P50, s.P99, s.Max)
	}
	if got := s.Throughput(); got != 100 {
		t.Fatalf("throughput %v, want 100 ok/s", got)
	}
}
