package porctest

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// Input is one client call on a keyed register.
type Input struct {
	Op  string // read | write | cas
	Key string
	Val int64  // write: the value; cas: the new value
	Old *int64 // cas: the expected value; nil means "expect no value"
}

// Output is what a call returned.
type Output struct {
	Unknown bool   // an info op: may or may not have happened, result unknown
	Val     *int64 // read: the value; nil means "no value"
}

type state struct {
	has bool
	v   int64
}

// CASRegister is a porcupine model of independent cas-registers, one per
// key, each starting with no value. Its operations carry Input and Output.
var CASRegister = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(Input).Key
			if _, ok := by[k]; !ok {
				keys = append(keys, k)
			}
			by[k] = append(by[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, by[k])
		}
		return out
	},
	Init: func() interface{} { return state{} },
	Step: func(s, in, out interface{}) (bool, interface{}) {
		st, i, o := s.(state), in.(Input), out.(Output)
		switch i.Op {
		case "read":
			if o.Unknown {
				return true, st
			}
			return (o.Val != nil) == st.has && (o.Val == nil || *o.Val == st.v), st
		case "write":
			return true, state{true, i.Val}
		case "cas":
			if st.has == (i.Old != nil) && (!st.has || st.v == *i.Old) {
				return true, state{true, i.Val}
			}
			return o.Unknown, st
		}
		panic("porctest: unknown op " + strconv.Quote(i.Op) + ": want read, write or cas")
	},
	DescribeOperation: func(in, out interface{}) string {
		i, o := in.(Input), out.(Output)
		res := show(o.Val)
		if o.Unknown {
			res = "?"
		}
		switch i.Op {
		case "read":
			return fmt.Sprintf("%s read -> %s", i.Key, res)
		case "write":
			return fmt.Sprintf("%s write %d", i.Key, i.Val)
		}
		return fmt.Sprintf("%s cas %s->%d", i.Key, show(i.Old), i.Val)
	},
}

func show(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}
