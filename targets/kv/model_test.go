package kv_test

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// A keyed cas-register model for porcupine, kept in the test so that the
// server is checked by porcupine directly.

type regInput struct {
	op  string // read | write | cas
	key string
	val int64 // write: value; cas: new
	old *int64
}

type regOutput struct {
	unknown bool
	val     *int64
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
		var out [][]porcupine.Operation
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
			return (o.val != nil) == st.has && (o.val == nil || *o.val == st.v), st
		case "write":
			return true, regState{true, i.val}
		}
		if st.has == (i.old != nil) && (!st.has || st.v == *i.old) {
			return true, regState{true, i.val}
		}
		return o.unknown, st
	},
	DescribeOperation: func(in, out interface{}) string {
		i, o := in.(regInput), out.(regOutput)
		show := func(p *int64) string {
			if p == nil {
				return "nil"
			}
			return strconv.FormatInt(*p, 10)
		}
		res := show(o.val)
		if o.unknown {
			res = "?"
		}
		switch i.op {
		case "read":
			return fmt.Sprintf("%s read -> %s", i.key, res)
		case "write":
			return fmt.Sprintf("%s write %d", i.key, i.val)
		}
		return fmt.Sprintf("%s cas %s->%d", i.key, show(i.old), i.val)
	},
}

// recorder collects a concurrent history with monotonic timestamps.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
	ok    int
	info  int
	fail  int
}

func newRecorder() *recorder { return &recorder{start: time.Now()} }

func (r *recorder) now() int64 { return int64(time.Since(r.start)) }

func (r *recorder) add(client int, in regInput, call int64, out regOutput, kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch kind {
	case "fail":
		r.fail++
		return // definitely did not happen: not part of the history
	case "info":
		r.info++
		out.unknown = true
		r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: math.MaxInt64})
		return
	}
	r.ok++
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: r.now()})
}
