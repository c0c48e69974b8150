package history

import "fmt"

// MaxTime is the latest time an op can have: 1000 hours after the run
// started (the longest run faultline accepts). A later time, or a negative
// one, is no real run's, and would make reports bucket or loop over
// absurd ranges.
const MaxTime = int64(1000 * 3600 * 1e9)

// Validator checks, op by op, the structural rules every history obeys:
// indexes dense from 0, known types, every completion preceded by an open
// invoke of the same process and function, and at most one open invoke per
// client process. The nemesis may have several ops in flight (composed
// nemeses); its completions match the oldest open invoke with the same f.
//
// The JSONL reader and the importers feed every op through one Validator, so
// a history that reads without error is well formed. The zero value is ready.
type Validator struct {
	next    int64
	open    map[Process]Op  // client process -> its open invoke
	nemesis map[string][]Op // f -> open nemesis invokes, oldest first
}

// Problem is what a Validator found wrong with one op: What it is and how to
// Fix it, ready for a MalformedError.
type Problem struct {
	What string
	Fix  string
}

// Add checks op as the next entry of the history. It returns nil when the op
// is acceptable; the op is then recorded.
func (v *Validator) Add(op Op) *Problem {
	if v.open == nil {
		v.open = make(map[Process]Op)
		v.nemesis = make(map[string][]Op)
	}
	if op.Index != v.next {
		return &Problem{
			What: fmt.Sprintf("index %d where %d was expected", op.Index, v.next),
			Fix:  "indexes must be dense 0..n-1 in file order; was a line duplicated, deleted or reordered?",
		}
	}
	if !op.Type.Valid() {
		return &Problem{
			What: fmt.Sprintf("unknown type %q", op.Type),
			Fix:  "type must be invoke, ok, fail or info",
		}
	}
	if op.F == "" {
		return &Problem{What: "empty f", Fix: "every op names its function, e.g. \"read\""}
	}
	if op.Process < 0 && op.Process != Nemesis {
		return &Problem{What: fmt.Sprintf("process %d is negative", op.Process), Fix: "client processes are ints >= 0, the nemesis is \"nemesis\""}
	}
	if op.Time < 0 || op.Time > MaxTime {
		return &Problem{
			What: fmt.Sprintf("time %d is impossible", op.Time),
			Fix:  "time is nanoseconds since the run started, from 0 to 1000 hours",
		}
	}
	if op.Process == Nemesis {
		if p := v.addNemesis(op); p != nil {
			return p
		}
		v.next++
		return nil
	}
	inv, isOpen := v.open[op.Process]
	switch {
	case op.Type == Invoke && isOpen:
		return &Problem{
			What: fmt.Sprintf("process %s invokes %s while its %s (index %d) is still open", op.Process, op.F, inv.F, inv.Index),
			Fix:  "a process has one op in flight; after an info the worker must continue under a fresh process id",
		}
	case op.Type == Invoke:
		v.open[op.Process] = op
	case !isOpen:
		return &Problem{
			What: fmt.Sprintf("%s of %s by process %s has no open invoke", op.Type, op.F, op.Process),
			Fix:  "every completion follows the invoke of the same process",
		}
	case inv.F != op.F:
		return &Problem{
			What: fmt.Sprintf("%s of %s by process %s completes an invoke of %s (index %d)", op.Type, op.F, op.Process, inv.F, inv.Index),
			Fix:  "a completion keeps the f of its invoke",
		}
	case op.Time < inv.Time:
		return &Problem{
			What: fmt.Sprintf("%s of %s by process %s at time %d returns before its invoke (index %d, time %d)", op.Type, op.F, op.Process, op.Time, inv.Index, inv.Time),
			Fix:  "a completion's time is at or after its invoke's",
		}
	default:
		delete(v.open, op.Process)
	}
	v.next++
	return nil
}

func (v *Validator) addNemesis(op Op) *Problem {
	if op.Type == Invoke {
		v.nemesis[op.F] = append(v.nemesis[op.F], op)
		return nil
	}
	q := v.nemesis[op.F]
	if len(q) == 0 {
		return &Problem{
			What: fmt.Sprintf("nemesis %s of %s has no open invoke", op.Type, op.F),
			Fix:  "every nemesis completion follows a nemesis invoke of the same f",
		}
	}
	v.nemesis[op.F] = q[1:]
	return nil
}

// Count is the number of ops accepted so far (the next expected index).
func (v *Validator) Count() int64 { return v.next }
