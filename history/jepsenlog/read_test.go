package jepsenlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

const fixtures = "../../testdata/external/jepsen-etcd"

func TestReadAllEtcdLogs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "etcd_*.log"))
	if err != nil || len(files) != 102 {
		t.Fatalf("want 102 etcd logs, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		h, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) == 0 {
			t.Fatalf("%s: no ops", f)
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

func TestParseShapes(t *testing.T) {
	in := "INFO  jepsen.core - starting\n" +
		"INFO  jepsen.util - 0\t:invoke\t:read\tnil\n" +
		"INFO  jepsen.util - 1  :invoke :cas    [3 0]\n" +
		"INFO  jepsen.util - 0\t:ok\t:read\t3\n" +
		"INFO  jepsen.util - 1\t:info\t:cas\t:timed-out\n" +
		"INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n" +
		"INFO  jepsen.util - :nemesis\t:info\t:start\t\"Cut off {:n1 #{:n2}}\"\n" +
		"\n"
	h, err := Read(strings.NewReader(in), "x.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 6 {
		t.Fatalf("%d ops: %+v", len(h), h)
	}
	if h[0].Value != nil || h[0].F != "read" || h[0].Type != history.Invoke {
		t.Fatalf("op 0: %+v", h[0])
	}
	if string(h[1].Value) != "[3,0]" || h[1].Process != 1 {
		t.Fatalf("op 1: %+v", h[1])
	}
	if string(h[2].Value) != "3" || h[2].Type != history.OK {
		t.Fatalf("op 2: %+v", h[2])
	}
	if h[3].Error != "timed-out" || h[3].Value != nil || h[3].Type != history.Info {
		t.Fatalf("op 3: %+v", h[3])
	}
	if h[4].Type != history.Invoke || h[5].Type != history.Info || !h[5].IsNemesis() {
		t.Fatalf("nemesis: %+v %+v", h[4], h[5])
	}
	for i, o := range h {
		if o.Index != int64(i) || o.Time != int64(i) || o.Key != "" {
			t.Fatalf("op %d: %+v", i, o)
		}
	}
}

func TestMalformed(t *testing.T) {
	cases := map[string]struct {
		in   string
		line int
	}{
		"bad-type":      {"INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:done\t:read\tnil\n", 2},
		"bad-value":     {"INFO  jepsen.util - 0\t:invoke\t:write\t[1 2\n", 1},
		"missing-value": {"INFO  jepsen.util - 0\t:invoke\t:write\n", 1},
		"orphan":        {"x\nINFO  jepsen.util - 0\t:ok\t:read\t1\n", 2},
		"double-invoke": {"INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n", 2},
		"f-not-keyword": {"INFO  jepsen.util - 0\t:invoke\tread\tnil\n", 1},
		"huge-process":  {"INFO  jepsen.util - 99999999999999999999\t:invoke\t:read\tnil\n", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "e.log")
			if !errors.Is(err, history.ErrMalformed) {
				t.Fatalf("want ErrMalformed, got %v", err)
			}
			var me *history.MalformedError
			if !errors.As(err, &me) || me.Line != c.line || !strings.HasPrefix(err.Error(), "jepsenlog: e.log line ") {
				t.Fatalf("bad error %q (want line %d)", err, c.line)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(fixtures, "etcd_000.log"))
	if err == nil {
		f.Add(b[:min(len(b), 2000)])
	}
	f.Add([]byte("INFO  jepsen.util - :nemesis\t:info\t:start\t{:a #{1 2}}\n"))
	f.Add([]byte("INFO  jepsen.util - 0 :invoke :cas [1 nil]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Read(strings.NewReader(string(b)), "fuzz")
		if err != nil {
			if !errors.Is(err, history.ErrMalformed) {
				t.Fatalf("error not wrapping ErrMalformed: %v", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("imported an invalid history: %v", err)
		}
	})
}
