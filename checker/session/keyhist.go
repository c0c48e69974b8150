package session

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// value is a register value: an int, or nil (set false), the initial value.
type value struct {
	set bool
	v   int64
}

func (v value) String() string {
	if !v.set {
		return "nil"
	}
	return strconv.FormatInt(v.v, 10)
}

// op is one client op of a key that happened or may have: an ok read,
// write or cas, or an indeterminate (info or open) write or cas.
type op struct {
	index int64 // the invoke's index in the history
	proc  history.Process
	f     byte // 'r' read, 'w' write, 'c' cas
	ok    bool // false: info, or open when open is set
	open  bool
	a, b  value // read: a, the value returned; write: a; cas: a old, b new
	// in: the op is in the checked history: ok, or an indeterminate write
	// or cas whose value was read (so it happened).
	in bool
}

// write is a write that happened, as a node of the arbitration order.
type write struct {
	op   int32 // into keyHist.ops
	sess int32 // into keyHist.sessions
	pos  int32 // its place among its session's writes
}

// initial is the write a read of the initial nil returned: none.
const initial = -1

// event is one step of a session: a read or a write. An ok cas is two
// events of the same op, its read of old and then its write of new.
type event struct {
	op   int32 // into keyHist.ops
	read bool
	w    int32 // read: the write it returned, or initial; write: the write
}

// sess is one process's events on one key, in invoke order.
type sess struct {
	proc   history.Process
	events []event
	writes []int32 // its writes, in session order
}

// keyHist is one key's history as the models see it.
type keyHist struct {
	key      string
	ops      []op // in invoke order
	writes   []write
	sessions []sess
	// unknown says why the key cannot be checked soundly (a value written
	// twice); the rest is then not built.
	unknown string
	// unsourced is the first op (into ops) whose read returned a value no
	// write of the key happened for, or -1.
	unsourced int32
	reads     int // ok reads and the reads of cas ops in the history
	// indeterminate writes and cas ops: seen (their value was read, so
	// they happened) and unseen (dropped: they change no verdict).
	seen, unseen int
}

// counts are the client ops the check read, by outcome.
type counts struct {
	OK   int `json:"ok"`
	Fail int `json:"fail"`
	Info int `json:"info"`
	Open int `json:"open"`
}

// readHistory splits the client read, write and cas ops of h by key, in
// invoke order, dropping what did not happen: fails, and reads whose
// outcome is unknown. Nemesis ops and final reads are ignored; any other
// f, or a value of the wrong shape, is an error wrapping ErrBadInput.
func readHistory(h history.History) (map[string]*keyHist, counts, error) {
	keys := map[string]*keyHist{}
	written := map[string]map[int64]int64{} // key -> value -> the first invoke writing it
	var c counts
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F == checker.FinalRead {
			continue
		}
		o := op{index: inv.Index, proc: inv.Process}
		switch inv.F {
		case "read":
			o.f = 'r'
		case "write":
			o.f = 'w'
			v, err := decode(inv.Value)
			if err != nil || !v.set {
				return nil, c, fmt.Errorf("%w: session: write op %d: argument %s is not an int", checker.ErrBadInput, inv.Index, inv.Value)
			}
			o.a = v
		case "cas":
			o.f = 'c'
			a, b, err := checker.DecodeRegisterCAS(inv.Value)
			if err != nil {
				return nil, c, fmt.Errorf("%w: session: cas op %d: %v", checker.ErrBadInput, inv.Index, err)
			}
			o.a, o.b = value{set: a.Set, v: a.V}, value{set: b.Set, v: b.V}
		default:
			return nil, c, fmt.Errorf("%w: session: op %d: f %q is not read, write or cas", checker.ErrBadInput, inv.Index, inv.F)
		}
		switch p.Type() {
		case history.OK:
			c.OK++
			o.ok = true
		case history.Fail:
			c.Fail++
		default:
			if p.Open() {
				c.Open++
				o.open = true
			} else {
				c.Info++
			}
		}
		k := keys[inv.Key]
		if k == nil {
			k = &keyHist{key: inv.Key, unsourced: -1}
			keys[inv.Key] = k
			written[inv.Key] = map[int64]int64{}
		}
		if o.f != 'r' {
			// Every write is counted, whatever its outcome: a read of a
			// value written twice cannot be told apart.
			v := o.a
			if o.f == 'c' {
				v = o.b
			}
			if first, dup := written[inv.Key][v.v]; dup && k.unknown == "" {
				k.unknown = fmt.Sprintf("value %d is written twice (ops %d and %d): a read of it could be either write's, so the key cannot be checked soundly", v.v, first, inv.Index)
			} else if !dup {
				written[inv.Key][v.v] = inv.Index
			}
		}
		switch {
		case p.Type() == history.Fail:
			continue // it did not happen
		case o.f == 'r' && !o.ok:
			continue // a read whose result is unknown says nothing
		case o.f == 'r':
			v, err := decode(p.Completion.Value)
			if err != nil {
				return nil, c, fmt.Errorf("%w: session: read op %d returned %s, not an int or null", checker.ErrBadInput, inv.Index, p.Completion.Value)
			}
			o.a = v
		}
		k.ops = append(k.ops, o)
	}
	for _, k := range keys {
		if k.unknown == "" {
			k.build()
		}
	}
	return keys, c, nil
}

// decode reads an int or null (checker.DecodeRegisterValue).
func decode(raw json.RawMessage) (value, error) {
	v, err := checker.DecodeRegisterValue(raw)
	return value{set: v.Set, v: v.V}, err
}

// build decides which indeterminate writes happened and lays out the
// sessions. An indeterminate write or cas happened if a read in the
// history returned its value; then, for a cas, its read of old is in the
// history too, which may show another one happened. One that no read
// saw is dropped: leaving out a write nobody read, with the read of old
// of its cas, never turns an admissible history inadmissible (see the
// package doc), so the history with fewest such writes is the one to
// check.
func (k *keyHist) build() {
	writer := map[int64]int32{} // value -> its op (values are unique)
	var seen []int64            // values read, to resolve
	for i := range k.ops {
		o := &k.ops[i]
		switch o.f {
		case 'w':
			writer[o.a.v] = int32(i)
		case 'c':
			writer[o.b.v] = int32(i)
		}
		if o.ok {
			o.in = true
			if (o.f == 'r' || o.f == 'c') && o.a.set {
				seen = append(seen, o.a.v)
			}
		}
	}
	for len(seen) > 0 {
		v := seen[len(seen)-1]
		seen = seen[:len(seen)-1]
		i, ok := writer[v]
		if !ok || k.ops[i].in {
			continue
		}
		o := &k.ops[i]
		o.in = true
		k.seen++
		if o.f == 'c' && o.a.set {
			seen = append(seen, o.a.v)
		}
	}
	// Writes get ids in invoke order, sessions in order of first op.
	writeOf := map[int64]int32{}
	sessOf := map[history.Process]int32{}
	for i := range k.ops {
		o := &k.ops[i]
		if !o.in {
			if o.f != 'r' {
				k.unseen++
			}
			continue
		}
		s, ok := sessOf[o.proc]
		if !ok {
			s = int32(len(k.sessions))
			sessOf[o.proc] = s
			k.sessions = append(k.sessions, sess{proc: o.proc})
		}
		if o.f != 'w' {
			k.reads++
		}
		if o.f == 'w' || o.f == 'c' {
			v := o.a
			if o.f == 'c' {
				v = o.b
			}
			writeOf[v.v] = int32(len(k.writes))
			k.writes = append(k.writes, write{op: int32(i), sess: s})
		}
	}
	for i := range k.ops {
		o := &k.ops[i]
		if !o.in {
			continue
		}
		s := &k.sessions[sessOf[o.proc]]
		if o.f == 'r' || o.f == 'c' {
			w := int32(initial)
			if o.a.set {
				id, ok := writeOf[o.a.v]
				if !ok {
					if k.unsourced < 0 {
						k.unsourced = int32(i)
					}
					continue
				}
				w = id
			}
			s.events = append(s.events, event{op: int32(i), read: true, w: w})
		}
		if o.f == 'w' || o.f == 'c' {
			v := o.a
			if o.f == 'c' {
				v = o.b
			}
			id := writeOf[v.v]
			k.writes[id].pos = int32(len(s.writes))
			s.writes = append(s.writes, id)
			s.events = append(s.events, event{op: int32(i), w: id})
		}
	}
}

// written is the value write w wrote.
func (k *keyHist) written(w int32) value {
	o := &k.ops[k.writes[w].op]
	if o.f == 'c' {
		return o.b
	}
	return o.a
}
