package checker

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

type kvInput struct {
	Key string
	F   byte // 'g' get, 'p' put, 'a' append
	V   string
}

type kvOutput struct {
	Known bool
	V     string // get: the value read
}

// KV is the model of a key-value store of strings (initially ""): get (ok
// value: the string), put (invoke value: the string) and append (invoke
// value: the suffix). Fails are dropped; an info or open put/append is
// applied at the end of time; a get with unknown result is dropped.
func KV() Model {
	step := func(st string, in, out any) (bool, string) {
		i, o := in.(kvInput), out.(kvOutput)
		switch i.F {
		case 'g':
			return !o.Known || o.V == st, st
		case 'p':
			return true, i.V
		default:
			return true, st + i.V
		}
	}
	sp := spec[string]{
		init:  func() string { return "" },
		step:  step,
		equal: func(a, b string) bool { return a == b },
		hash: func(s string) uint64 { // FNV-1a, without allocating a hash.Hash
			h := uint64(14695981039346656037)
			for _, c := range []byte(s) {
				h ^= uint64(c)
				h *= 1099511628211
			}
			return h
		},
	}
	return Model{
		Name:   "kv",
		Doc:    "get/put/append on string values, linearizability per key",
		Fs:     []string{"get", "put", "append"},
		search: sp.search,
		Porcupine: sp.fill(porcupine.Model{
			Partition: partitionByKey(func(in any) string { return in.(kvInput).Key }),
			DescribeOperation: func(in, out any) string {
				i, o := in.(kvInput), out.(kvOutput)
				res := "?"
				if o.Known {
					res = "ok"
				}
				switch i.F {
				case 'g':
					if o.Known {
						res = strconv.Quote(o.V)
					}
					return fmt.Sprintf("get(%q) -> %s", i.Key, res)
				case 'p':
					return fmt.Sprintf("put(%q, %q) -> %s", i.Key, i.V, res)
				default:
					return fmt.Sprintf("append(%q, %q) -> %s", i.Key, i.V, res)
				}
			},
			DescribeState:             func(s any) string { return strconv.Quote(s.(string)) },
			DescribeOperationMetadata: describeMeta,
		}),
		encode: encodeKV,
	}
}

func decodeString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("value %s is not a string", raw)
	}
	return s, nil
}

func encodeKV(inv history.Op, comp *history.Op) (any, any, bool, error) {
	typ := history.Info
	if comp != nil {
		typ = comp.Type
	}
	if typ == history.Fail {
		return nil, nil, false, nil
	}
	known := typ == history.OK
	in := kvInput{Key: inv.Key}
	switch inv.F {
	case "get":
		if !known {
			return nil, nil, false, nil
		}
		v, err := decodeString(comp.Value)
		if err != nil {
			return nil, nil, false, fmt.Errorf("get result %w", err)
		}
		in.F = 'g'
		return in, kvOutput{Known: true, V: v}, true, nil
	case "put", "append":
		v, err := decodeString(inv.Value)
		if err != nil {
			return nil, nil, false, fmt.Errorf("%s argument %w", inv.F, err)
		}
		in.F, in.V = inv.F[0], v
		return in, kvOutput{Known: known}, true, nil
	}
	return nil, nil, false, fmt.Errorf("f %q is not get, put or append", inv.F)
}
