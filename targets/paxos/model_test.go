package paxos_test

import (
	"fmt"
	"strconv"

	"github.com/anishathalye/porcupine"
)

// A keyed cas-register model for porcupine, kept in the test so that the
// core is checked by porcupine directly and by nothing of ours.

type regInput struct {
	op     string // read | write | cas
	key    string
	val    int64 // write: the value; cas: the new value
	hasOld bool  // cas: false means "old is null"
	old    int64
}

type regOutput struct {
	unknown bool // an info op: may or may not have happened, result unknown
	has     bool // read: the register had a value
	val     int64
}

type regState struct {
	has bool
	v   int64
}

var casRegister = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(regInput).key
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
	Init: func() interface{} { return regState{} },
	Step: func(s, in, out interface{}) (bool, interface{}) {
		st, i, o := s.(regState), in.(regInput), out.(regOutput)
		switch i.op {
		case "read":
			if o.unknown {
				return true, st
			}
			return o.has == st.has && (!st.has || o.val == st.v), st
		case "write":
			return true, regState{true, i.val}
		case "cas":
			match := st.has == i.hasOld && (!st.has || st.v == i.old)
			if match {
				return true, regState{true, i.val}
			}
			return o.unknown, st
		}
		panic("unknown op " + i.op)
	},
	DescribeOperation: func(in, out interface{}) string {
		i, o := in.(regInput), out.(regOutput)
		res := "?"
		if !o.unknown {
			res = "nil"
			if o.has {
				res = strconv.FormatInt(o.val, 10)
			}
		}
		switch i.op {
		case "read":
			return fmt.Sprintf("%s read -> %s", i.key, res)
		case "write":
			return fmt.Sprintf("%s write %d", i.key, i.val)
		}
		old := "nil"
		if i.hasOld {
			old = strconv.FormatInt(i.old, 10)
		}
		return fmt.Sprintf("%s cas %s->%d", i.key, old, i.val)
	},
}
