package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriterLinesAreJSONOfOps: the writer's spliced index/time prefix must
// give exactly the line encoding/json gives for the op as written.
func TestWriterLinesAreJSONOfOps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var written []Op
	for i, op := range []Op{
		{Process: 1, Type: Invoke, F: "write", Key: "a<b>&", Value: Raw("x\u2028y")},
		{Process: 1, Type: Info, F: "write", Key: "a<b>&", Error: "timed out"},
		{Process: Nemesis, Type: Invoke, F: "start-partition", Value: Raw(map[string][]string{"n1": {"n2"}})},
		{Process: 7, Type: OK, F: "read", Time: 12345},
	} {
		var got Op
		if i == 3 {
			got, err = w.Append(op)
		} else {
			got, err = w.Record(op)
		}
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(written[i])
		if want := bytes.TrimRight(buf.Bytes(), "\n"); !bytes.Equal(sc.Bytes(), want) {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, sc.Bytes(), want)
		}
	}
	if written[3].Time != 12345 || written[3].Index != 3 {
		t.Errorf("Append kept time %d index %d, want 12345 and 3", written[3].Time, written[3].Index)
	}
}

// BenchmarkWriterRecord records ops from all cores into one history file
// with the default interval fsync: the controller's per-op history cost.
func BenchmarkWriterRecord(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), "h.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	op := Op{Process: 3, Type: Invoke, F: "write", Key: "k17", Value: Raw(123456), Node: "n2"}
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.Record(op); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// A line longer than the reader's 64 KiB buffer (a big set read) reads back.
func TestReadLongLine(t *testing.T) {
	big := make([]int, 30000)
	for i := range big {
		big[i] = i
	}
	var buf bytes.Buffer
	for i, op := range []Op{
		{Index: 0, Process: 1, Type: Invoke, F: "read", Key: "s"},
		{Index: 1, Time: 5, Process: 1, Type: OK, F: "read", Key: "s", Value: Raw(big)},
		{Index: 2, Time: 6, Process: 1, Type: Invoke, F: "add", Key: "s", Value: Raw(1)},
	} {
		b, _ := json.Marshal(op)
		buf.Write(append(b, '\n'))
		if i == 1 && len(b) < 128<<10 {
			t.Fatalf("test line is only %d bytes", len(b))
		}
	}
	h, err := Read(&buf, "long")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	if len(h) != 3 || json.Unmarshal(h[1].Value, &got) != nil || len(got) != len(big) || got[29999] != 29999 || h[2].F != "add" {
		t.Fatalf("long line read back as %d ops, value of %d elements", len(h), len(got))
	}
}
