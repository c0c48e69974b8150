package sequential

import (
	"fmt"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// opKind is what an op does to the register.
type opKind uint8

const (
	opRead opKind = iota
	opWrite
	opCAS
)

// op is one client op of a key that happened or may have happened: an ok
// read, write or cas, or an info (or never completed) write or cas. Fails
// did not happen and info reads constrain nothing, so neither is an op.
type op struct {
	index int64 // the invoke's index in the history
	proc  history.Process
	kind  opKind
	info  bool  // the outcome is unknown: it may or may not have happened
	val   value // read: the value returned; write: the value written; cas: new
	old   value // cas: the value it found
}

// keyHistory is one key's ops, in invoke order, which is every process's
// program order.
type keyHistory struct {
	key   string
	first int64 // the index of the key's first invoke
	ops   []op
	// failed maps a value to the first write or cas of it that failed, for
	// the words of a read of a value no write that happened wrote.
	failed map[value]int64
	// bad says why the key cannot be checked (an op outside the model).
	bad string
}

// readKeys splits the client ops of h by key, in the order of each key's
// first invoke. Nemesis ops are ignored, and so are final reads (a
// node's local state read after the heal, which no consistency model
// constrains, as checker.Linearizable has it).
func readKeys(h history.History) []*keyHistory {
	byKey := map[string]*keyHistory{}
	var keys []*keyHistory
	for _, p := range h.Pairs() {
		inv := p.Invoke
		if inv.IsNemesis() || inv.F == checker.FinalRead {
			continue
		}
		kh := byKey[inv.Key]
		if kh == nil {
			kh = &keyHistory{key: inv.Key, first: inv.Index}
			byKey[inv.Key] = kh
			keys = append(keys, kh)
		}
		if kh.bad != "" {
			continue
		}
		if err := kh.add(p); err != nil {
			kh.bad = err.Error()
			kh.ops = nil
		}
	}
	return keys
}

// add appends the op of p, if it is one (see op).
func (kh *keyHistory) add(p history.Pair) error {
	inv, typ := p.Invoke, p.Type()
	o := op{index: inv.Index, proc: inv.Process, info: typ == history.Info}
	switch inv.F {
	case "read":
		if typ != history.OK {
			return nil // a fail did not happen; an info read constrains nothing
		}
		v, err := decodeValue(p.Completion.Value)
		if err != nil {
			return fmt.Errorf("read %d returned %w", inv.Index, err)
		}
		o.kind, o.val = opRead, v
	case "write":
		v, err := decodeValue(inv.Value)
		if err != nil || !v.set {
			return fmt.Errorf("write %d: argument %s is not an int", inv.Index, inv.Value)
		}
		o.kind, o.val = opWrite, v
	case "cas":
		from, to, err := decodeCAS(inv.Value)
		if err != nil {
			return fmt.Errorf("cas %d: %w", inv.Index, err)
		}
		o.kind, o.old, o.val = opCAS, from, to
	default:
		return fmt.Errorf("op %d has f %q, not read, write or cas", inv.Index, inv.F)
	}
	if typ == history.Fail {
		if _, seen := kh.failed[o.val]; !seen {
			if kh.failed == nil {
				kh.failed = map[value]int64{}
			}
			kh.failed[o.val] = inv.Index
		}
		return nil // it did not happen
	}
	kh.ops = append(kh.ops, o)
	return nil
}
