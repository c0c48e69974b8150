package checker

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// regVal is a register value: an int, or nil (Set false) before any write.
type regVal struct {
	Set bool
	V   int64
}

func (v regVal) String() string {
	if !v.Set {
		return "nil"
	}
	return strconv.FormatInt(v.V, 10)
}

type regInput struct {
	Key  string
	F    byte   // 'r' read, 'w' write, 'c' cas
	A, B regVal // write: A; cas: A old, B new
}

type regOutput struct {
	Known bool   // false: the op's outcome is unknown (info or open)
	V     regVal // read: the value read
}

// CASRegister is the model of keyed compare-and-set registers holding ints
// (or nil, the initial value): read (ok value: the int or null), write
// (invoke value: the int) and cas (invoke value: [old,new]; ok means it
// swapped). A fail is dropped: it did not happen. An info or open op is
// checked as completing at the end of time with an outcome the model accepts
// whatever it is: an unknown read is dropped, an unknown write is applied, an
// unknown cas swaps if the register holds old and otherwise leaves it.
func CASRegister() Model {
	sp := spec[regVal]{
		init:  func() regVal { return regVal{} },
		step:  stepRegister,
		equal: func(a, b regVal) bool { return a == b },
		hash: func(v regVal) uint64 {
			if !v.Set {
				return 0x9e3779b97f4a7c15
			}
			return uint64(v.V) * 0xff51afd7ed558ccd
		},
	}
	return Model{
		Name: "cas-register",
		Doc:  "keyed read/write/cas registers, linearizability per key",
		Fs:   []string{"read", "write", "cas"},
		Porcupine: sp.fill(porcupine.Model{
			Partition:                 partitionByKey(func(in any) string { return in.(regInput).Key }),
			DescribeOperation:         describeRegister,
			DescribeState:             func(s any) string { return s.(regVal).String() },
			DescribeOperationMetadata: describeMeta,
		}),
		encode: encodeRegister,
		search: sp.search,
	}
}

// stepRegister is the register's sequential specification.
func stepRegister(st regVal, in, out any) (bool, regVal) {
	i, o := in.(regInput), out.(regOutput)
	switch i.F {
	case 'r':
		return !o.Known || o.V == st, st
	case 'w':
		return true, i.A
	default: // cas
		if st == i.A {
			return true, i.B
		}
		return !o.Known, st
	}
}

// describeRegister is how a register op reads in an explanation.
func describeRegister(in, out any) string {
	i, o := in.(regInput), out.(regOutput)
	key := ""
	if i.Key != "" {
		key = strconv.Quote(i.Key) + ", "
	}
	res := "?"
	switch i.F {
	case 'r':
		if o.Known {
			res = o.V.String()
		}
		return fmt.Sprintf("read(%s) -> %s", trimComma(key), res)
	case 'w':
		if o.Known {
			res = "ok"
		}
		return fmt.Sprintf("write(%s%s) -> %s", key, i.A, res)
	default:
		if o.Known {
			res = "ok"
		}
		return fmt.Sprintf("cas(%s%s, %s) -> %s", key, i.A, i.B, res)
	}
}

func trimComma(s string) string {
	if len(s) >= 2 {
		return s[:len(s)-2]
	}
	return s
}

func decodeRegVal(raw json.RawMessage) (regVal, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return regVal{}, nil
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return regVal{Set: true, V: n}, nil // the common case, without encoding/json
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return regVal{}, fmt.Errorf("value %s is not an int or null", raw)
	}
	return regVal{Set: true, V: n}, nil
}

func encodeRegister(inv history.Op, comp *history.Op) (any, any, bool, error) {
	typ := history.Info
	if comp != nil {
		typ = comp.Type
	}
	if typ == history.Fail {
		return nil, nil, false, nil // did not happen
	}
	known := typ == history.OK
	in := regInput{Key: inv.Key}
	switch inv.F {
	case "read":
		if !known {
			return nil, nil, false, nil // an unknown read constrains nothing
		}
		v, err := decodeRegVal(comp.Value)
		if err != nil {
			return nil, nil, false, fmt.Errorf("read result %w", err)
		}
		in.F = 'r'
		return in, regOutput{Known: true, V: v}, true, nil
	case "write":
		v, err := decodeRegVal(inv.Value)
		if err != nil || !v.Set {
			return nil, nil, false, fmt.Errorf("write argument %s is not an int", inv.Value)
		}
		in.F, in.A = 'w', v
		return in, regOutput{Known: known}, true, nil
	case "cas":
		a, b, err := DecodeRegisterCAS(inv.Value)
		if err != nil {
			return nil, nil, false, err
		}
		in.F, in.A, in.B = 'c', a, b
		return in, regOutput{Known: known}, true, nil
	}
	return nil, nil, false, fmt.Errorf("f %q is not read, write or cas", inv.F)
}
