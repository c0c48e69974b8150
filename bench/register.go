package bench

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/faultline/faultline/history"
)

// RegisterOptions shape a generated register history.
type RegisterOptions struct {
	// Ops is the number of client operations; each is an invoke and a
	// completion line, so the file has 2*Ops lines.
	Ops int
	// Keys is the number of independent registers.
	Keys int
	// Processes is the number of concurrent clients.
	Processes int
	// Seed makes the history reproducible.
	Seed uint64
	// InfoPercent of the writes and cas ops end in info (half of them took
	// effect, half did not).
	InfoPercent int
}

type genOp struct {
	call, lin, ret int64
	proc           int32
	key            int32
	f              byte // 'r', 'w', 'c'
	typ            byte // 'o' ok, 'f' fail, 'i' info
	applied        bool // an info op that took effect
	a, b           int64
	read           int64 // read result; -1 for nil
}

// WriteRegister writes a linearizable keyed cas-register history (read,
// write with unique values, cas) in faultline's JSONL format to w.
func WriteRegister(w io.Writer, o RegisterOptions) error {
	if o.Ops <= 0 || o.Keys <= 0 || o.Processes <= 0 {
		return fmt.Errorf("bench: register history needs Ops, Keys and Processes > 0, got %+v", o)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	ops := make([]genOp, o.Ops)
	clock := make([]int64, o.Processes)
	gen := make([]int32, o.Processes) // bumped after an info: a fresh process id
	for i := range ops {
		p := i % o.Processes
		d := 50_000 + rng.Int64N(950_000) // 50us..1ms
		call := clock[p] + 1 + rng.Int64N(20_000)
		op := genOp{call: call, lin: call + rng.Int64N(d), ret: call + d, key: int32(rng.IntN(o.Keys)), typ: 'o', read: -1}
		op.proc = int32(p) + gen[p]*int32(o.Processes)
		clock[p] = op.ret
		switch r := rng.IntN(10); {
		case r < 5:
			op.f = 'r'
		case r < 9:
			op.f, op.a = 'w', int64(i+1)
		default:
			op.f, op.b = 'c', int64(i+1)
		}
		if op.f != 'r' && o.InfoPercent > 0 && rng.IntN(100) < o.InfoPercent {
			op.typ, op.applied = 'i', rng.IntN(2) == 0
			gen[p]++
		}
		ops[i] = op
	}
	// Apply in linearization order to learn reads and cas outcomes.
	order := make([]int32, len(ops))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp64(ops[x].lin, ops[y].lin) })
	regs := make([]int64, o.Keys)
	for i := range regs {
		regs[i] = -1
	}
	for _, i := range order {
		op := &ops[i]
		cur := &regs[op.key]
		switch op.f {
		case 'r':
			op.read = *cur
		case 'w':
			if op.typ != 'i' || op.applied {
				*cur = op.a
			}
		case 'c':
			// Expect the current value most of the time, so that cas succeeds.
			op.a = *cur
			if rng.IntN(4) == 0 {
				op.a = *cur + 1
			}
			if op.a < 0 { // cas from nil is not in the model's vocabulary here
				op.a = 0
			}
			switch {
			case op.typ == 'i':
				if op.applied && op.a == *cur {
					*cur = op.b
				}
			case op.a == *cur:
				*cur = op.b
			default:
				op.typ = 'f'
			}
		}
	}
	// Events: invoke at call, completion at ret, in time order.
	type ev struct {
		t   int64
		i   int32
		end bool
	}
	evs := make([]ev, 0, 2*len(ops))
	for i, op := range ops {
		evs = append(evs, ev{op.call, int32(i), false}, ev{op.ret, int32(i), true})
	}
	slices.SortFunc(evs, func(x, y ev) int {
		if c := cmp64(x.t, y.t); c != 0 {
			return c
		}
		if x.end != y.end { // a completion before an invoke at the same time
			if x.end {
				return -1
			}
			return 1
		}
		return int(x.i - y.i)
	})
	bw := bufio.NewWriterSize(w, 1<<20)
	var buf []byte
	for idx, e := range evs {
		op := &ops[e.i]
		buf = appendOp(buf[:0], int64(idx), e.t, op, e.end)
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write register history: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write register history: %w", err)
	}
	return nil
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var fName = map[byte]string{'r': "read", 'w': "write", 'c': "cas"}

// appendOp encodes one line of faultline's history format (see history.Op).
func appendOp(b []byte, index, t int64, op *genOp, end bool) []byte {
	typ := history.Invoke
	if end {
		switch op.typ {
		case 'o':
			typ = history.OK
		case 'f':
			typ = history.Fail
		default:
			typ = history.Info
		}
	}
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, index, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, `,"process":`...)
	b = strconv.AppendInt(b, int64(op.proc), 10)
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	b = append(b, `","f":"`...)
	b = append(b, fName[op.f]...)
	b = append(b, `","key":"k`...)
	b = strconv.AppendInt(b, int64(op.key), 10)
	b = append(b, '"')
	switch {
	case op.f == 'w' && (!end || typ == history.OK):
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, op.a, 10)
	case op.f == 'c' && (!end || typ == history.OK):
		b = append(b, `,"value":[`...)
		b = strconv.AppendInt(b, op.a, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, op.b, 10)
		b = append(b, ']')
	case op.f == 'r' && end && op.read >= 0:
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, op.read, 10)
	}
	if end && typ == history.Info {
		b = append(b, `,"error":"timeout"`...)
	}
	return append(b, "}\n"...)
}
