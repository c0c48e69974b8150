package sequential

import (
	"encoding/json"
	"testing"
)

func TestDecodeCAS(t *testing.T) {
	good := map[string][2]string{
		"[1,2]":        {"1", "2"},
		"[null,2]":     {"null", "2"},
		"[ 1 , 2 ]":    {"1", "2"},
		"[-3,40]":      {"-3", "40"},
		"[1,\n2]":      {"1", "2"},
		`[null, 9007]`: {"null", "9007"},
	}
	for in, want := range good {
		a, b, err := decodeCAS(json.RawMessage(in))
		if err != nil || a.String() != want[0] || b.String() != want[1] {
			t.Errorf("%s: %s %s %v", in, a, b, err)
		}
	}
	for _, in := range []string{"[1,null]", "[1,2,3]", "[1]", `["a",2]`, "[1.5,2]", "1", "null", "[[1],2]", ""} {
		if a, b, err := decodeCAS(json.RawMessage(in)); err == nil {
			t.Errorf("%s: %s %s, want an error", in, a, b)
		}
	}
	for in, want := range map[string]string{"": "null", "null": "null", "7": "7", " 7 ": "7", "-1": "-1"} {
		if v, err := decodeValue(json.RawMessage(in)); err != nil || v.String() != want {
			t.Errorf("%q: %s %v", in, v, err)
		}
	}
	for _, in := range []string{"1.5", `"1"`, "[1]", "true"} {
		if v, err := decodeValue(json.RawMessage(in)); err == nil {
			t.Errorf("%q: %s, want an error", in, v)
		}
	}
}
