package sequential

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// value is a register value: an int, or the initial value (set false),
// which a read returns before any write and JSON writes as null.
type value struct {
	set bool
	n   int64
}

// String is the value as JSON: the int, or null.
func (v value) String() string {
	if !v.set {
		return "null"
	}
	return strconv.FormatInt(v.n, 10)
}

// words is the value in a sentence.
func (v value) words() string {
	if !v.set {
		return "the initial value"
	}
	return v.String()
}

// decodeValue reads an int or null (an absent value is null).
func decodeValue(raw json.RawMessage) (value, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return value{}, nil
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return value{set: true, n: n}, nil // the common case, without encoding/json
	}
	var n *int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return value{}, fmt.Errorf("value %s is not an int or null", raw)
	}
	if n == nil {
		return value{}, nil
	}
	return value{set: true, n: *n}, nil
}

// decodeCAS reads a cas argument [old,new]: old an int or null, new an int.
func decodeCAS(raw json.RawMessage) (from, to value, err error) {
	if s := string(raw); len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, b, ok := strings.Cut(s[1:len(s)-1], ","); ok { // the common case, without encoding/json
			from, err1 := decodeValue(json.RawMessage(a))
			to, err2 := decodeValue(json.RawMessage(b))
			if err1 == nil && err2 == nil && to.set {
				return from, to, nil
			}
		}
	}
	var pair []json.RawMessage
	if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 {
		return value{}, value{}, fmt.Errorf("cas argument %s is not [old,new]", raw)
	}
	from, err1 := decodeValue(pair[0])
	to, err2 := decodeValue(pair[1])
	if err1 != nil || err2 != nil || !to.set {
		return value{}, value{}, fmt.Errorf("cas argument %s is not [old,new] of ints (old may be null)", raw)
	}
	return from, to, nil
}
