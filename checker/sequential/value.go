package sequential

import (
	"encoding/json"
	"strconv"

	"github.com/faultline/faultline/checker"
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

// decodeValue reads an int or null (an absent value is null), as every
// register checker does (checker.DecodeRegisterValue).
func decodeValue(raw json.RawMessage) (value, error) {
	v, err := checker.DecodeRegisterValue(raw)
	return value{set: v.Set, n: v.V}, err
}

// decodeCAS reads a cas argument [old,new]: old an int or null, new an int
// (checker.DecodeRegisterCAS).
func decodeCAS(raw json.RawMessage) (from, to value, err error) {
	a, b, err := checker.DecodeRegisterCAS(raw)
	return value{set: a.Set, n: a.V}, value{set: b.Set, n: b.V}, err
}
