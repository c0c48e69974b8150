package checker

import (
	"encoding/json"
	"fmt"
	"strings"
)

// RegisterValue is a cas-register value as a history carries it: an int,
// or null (Set false), the initial value before any write.
type RegisterValue = regVal

// DecodeRegisterValue reads a cas-register value: an int, or null (an
// absent value is null). Checkers of register histories share it, so they
// agree on what a value is.
func DecodeRegisterValue(raw json.RawMessage) (RegisterValue, error) {
	return decodeRegVal(raw)
}

// DecodeRegisterCAS reads a cas argument [old,new]: old an int or null,
// new an int.
func DecodeRegisterCAS(raw json.RawMessage) (old, new RegisterValue, err error) {
	if s := string(raw); len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, b, ok := strings.Cut(s[1:len(s)-1], ","); ok { // the common case, without encoding/json
			o, err1 := decodeRegVal(json.RawMessage(strings.TrimSpace(a)))
			n, err2 := decodeRegVal(json.RawMessage(strings.TrimSpace(b)))
			if err1 == nil && err2 == nil && n.Set {
				return o, n, nil
			}
		}
	}
	var pair []json.RawMessage
	if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 {
		return RegisterValue{}, RegisterValue{}, fmt.Errorf("cas argument %s is not [old,new]", raw)
	}
	o, err1 := decodeRegVal(pair[0])
	n, err2 := decodeRegVal(pair[1])
	if err1 != nil || err2 != nil || !n.Set {
		return RegisterValue{}, RegisterValue{}, fmt.Errorf("cas argument %s is not [old,new] of ints (old may be null)", raw)
	}
	return o, n, nil
}
