package edn

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

const fixtures = "../../testdata/external/kv"

func TestReadKVFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*.txt"))
	if err != nil || len(files) != 6 {
		t.Fatalf("want 6 kv files, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		h, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) == 0 || len(h.Keys()) == 0 {
			t.Fatalf("%s: %d ops", f, len(h))
		}
	}
}

func TestParseOp(t *testing.T) {
	in := `{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
; a comment

{:process 9, :type :ok, :f :append, :key "0", :value "x 9 0 y"}
{:process 1, :type :invoke, :f :get, :key 7, :value nil}
{:process 1, :type :info, :f :get, :key 7, :value nil, :error :timeout}
{:process :nemesis, :type :invoke, :f :start-partition, :value {:n1 #{"n2" "n3"}}, :time 55}
`
	h, err := Read(strings.NewReader(in), "x.edn")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 5 {
		t.Fatalf("%d ops", len(h))
	}
	if h[0].F != "append" || h[0].Key != "0" || string(h[0].Value) != `"x 9 0 y"` || h[0].Process != 9 {
		t.Fatalf("op 0: %+v", h[0])
	}
	if h[2].Key != "7" || h[2].Value != nil || h[3].Error != "timeout" || h[3].Type != history.Info {
		t.Fatalf("ops 2,3: %+v %+v", h[2], h[3])
	}
	if !h[4].IsNemesis() || h[4].Time != 55 || string(h[4].Value) != `{"n1":["n2","n3"]}` {
		t.Fatalf("op 4: %+v %s", h[4], h[4].Value)
	}
}

func TestParseValue(t *testing.T) {
	cases := map[string]string{
		`nil`:                `null`,
		`[1 -2 3.5 4N]`:      `[1,-2,3.5,4]`,
		`(:a "b\n" sym)`:     `["a","b\n","sym"]`,
		`{:a 1, "b" [true]}`: `{"a":1,"b":[true]}`,
		`#inst "2020"`:       `"2020"`,
		`#{}`:                `[]`,
	}
	for in, want := range cases {
		v, err := ParseValue(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		got, err := ToJSON(v)
		if err != nil || string(got) != want {
			t.Fatalf("%s: got %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{`[1`, `"abc`, `{:a}`, `1 2`, `]`, `12abc`, strings.Repeat("[", 500)} {
		if _, err := ParseValue(bad); err == nil {
			t.Fatalf("%q parsed", bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	cases := map[string]struct {
		in   string
		line int
	}{
		"not-edn":     {"{:process 1\n", 1},
		"not-map":     {"[1 2]\n", 1},
		"bad-type":    {`{:process 1, :type :done, :f :get}` + "\n", 1},
		"bad-process": {`{:process "a", :type :invoke, :f :get}` + "\n", 1},
		"no-f":        {`{:process 1, :type :invoke}` + "\n", 1},
		"orphan":      {"\n" + `{:process 1, :type :ok, :f :get}` + "\n", 2},
		"double":      {`{:process 1, :type :invoke, :f :get}` + "\n" + `{:process 1, :type :invoke, :f :get}` + "\n", 2},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "k.edn")
			var me *history.MalformedError
			if !errors.Is(err, history.ErrMalformed) || !errors.As(err, &me) || me.Line != c.line || !strings.HasPrefix(err.Error(), "edn: k.edn line ") {
				t.Fatalf("got %v, want a malformed error at line %d", err, c.line)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(fixtures, "c01-ok.txt")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{:process :nemesis, :type :info, :f :kill, :value #{[1 2] {:a nil}}}`))
	f.Add([]byte(`{:process 0, :type :invoke, :f :put, :key "k", :value "v\u00e9", :time 3}`))
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

// Distinct keys never become one: big integers keep their digits, and a
// history mixing a number, a string and a keyword of the same text is
// refused with the line of each.
func TestKeysKeepTheirIdentity(t *testing.T) {
	h, err := Read(strings.NewReader(
		"{:process 0, :type :invoke, :f :read, :key 9223372036854775808N}\n"+
			"{:process 1, :type :invoke, :f :read, :key 9223372036854775809N}\n"+
			"{:process 2, :type :invoke, :f :write, :key 1, :value 0.10000000000000000001M}\n"), "big.edn")
	if err != nil {
		t.Fatal(err)
	}
	if h[0].Key == h[1].Key || h[0].Key != "9223372036854775808" {
		t.Errorf("big keys %q and %q", h[0].Key, h[1].Key)
	}
	if string(h[2].Value) != "0.10000000000000000001" {
		t.Errorf("decimal value %s, want its exact digits", h[2].Value)
	}
	for _, second := range []string{`"1"`, `:1`} {
		_, err := Read(strings.NewReader(
			"{:process 0, :type :invoke, :f :read, :key 1}\n"+
				"{:process 1, :type :invoke, :f :read, :key "+second+"}\n"), "mixed.edn")
		if err == nil || !strings.Contains(err.Error(), "mixed.edn line 2") || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("keys 1 and %s: %v, want a refusal naming both lines", second, err)
		}
	}
	for _, bad := range []string{"007", "1.5.2"} {
		if _, err := ParseValue(bad); err == nil {
			t.Errorf("number %s accepted", bad)
		}
	}
	for in, want := range map[string]string{"+5": "5", "1.": "1.0", "-2.5e3": "-2.5e3", "12N": "12", "3.25M": "3.25"} {
		v, err := ParseValue(in)
		if err != nil || fmt.Sprint(v) != want {
			t.Errorf("ParseValue(%s) = %v, %v; want %s", in, v, err, want)
		}
	}
}
