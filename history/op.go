package history

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Type is the kind of a history entry: an invocation or one of the three
// completions. Every invoke is followed (later, by the same process) by exactly
// one completion, or by none if the run ended first.
type Type string

const (
	Invoke Type = "invoke" // the operation was issued
	OK     Type = "ok"     // it took effect; Value holds the result
	Fail   Type = "fail"   // it definitely did not take effect
	Info   Type = "info"   // unknown: it may or may not have taken effect
)

// Valid reports whether t is one of the four types.
func (t Type) Valid() bool {
	return t == Invoke || t == OK || t == Fail || t == Info
}

// Process identifies a logical client. The nemesis is the process Nemesis and
// is written as the JSON string "nemesis"; client processes are ints >= 0.
type Process int

// Nemesis is the process of the fault injector.
const Nemesis Process = -1

// MarshalJSON writes client processes as ints and the nemesis as "nemesis".
func (p Process) MarshalJSON() ([]byte, error) {
	if p == Nemesis {
		return []byte(`"nemesis"`), nil
	}
	return strconv.AppendInt(nil, int64(p), 10), nil
}

// UnmarshalJSON accepts an int >= 0 or the string "nemesis".
func (p *Process) UnmarshalJSON(b []byte) error {
	if string(b) == `"nemesis"` {
		*p = Nemesis
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("history: process %s is neither an int >= 0 nor \"nemesis\"", b)
	}
	*p = Process(n)
	return nil
}

func (p Process) String() string {
	if p == Nemesis {
		return "nemesis"
	}
	return strconv.Itoa(int(p))
}

// Op is one history entry. It is the only currency between clients, the
// nemesis, checkers and reports.
type Op struct {
	// Index is the position in the history, 0..n-1, dense. Assigned by the
	// history writer.
	Index int64 `json:"index"`
	// Time is nanoseconds since the run started, from a monotonic clock.
	Time int64 `json:"time"`
	// Process is the logical client (or Nemesis).
	Process Process `json:"process"`
	Type    Type    `json:"type"`
	// F is the function: read, write, cas, ...; for the nemesis
	// start-partition, stop-partition, kill, start, ...
	F string `json:"f"`
	// Key is set for keyed workloads.
	Key string `json:"key,omitempty"`
	// Value is the argument on invoke and the result on ok; for cas it is
	// [old,new]. Kept raw so that each workload decodes its own shape exactly.
	Value json.RawMessage `json:"value,omitempty"`
	// Node is the node the client talked to (or, for the nemesis, unused).
	Node string `json:"node,omitempty"`
	// Error explains a fail or info.
	Error string `json:"error,omitempty"`
}

// Raw marshals v for use as an Op's Value. It panics only on values that
// encoding/json cannot marshal (channels, funcs), which is a programming error.
func Raw(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("history: value %#v cannot be marshalled: %v", v, err))
	}
	return b
}

// IsNemesis reports whether the op was issued by the nemesis.
func (o Op) IsNemesis() bool { return o.Process == Nemesis }

// Complete returns the completion of invoke o with type t, value v and error
// text errText; Index and Time are left for the writer and caller to fill.
func (o Op) Complete(t Type, v json.RawMessage, errText string) Op {
	c := o
	c.Type = t
	c.Value = v
	c.Error = errText
	return c
}

// Refused begins the error of a fail the op's own semantics caused (a cas
// whose old value did not match): the system answered, correctly, so
// availability counts it as answered, not as unavailable.
const Refused = "refused: "

// IsRefused reports whether o is a fail its semantics caused (see Refused).
func (o Op) IsRefused() bool { return o.Type == Fail && strings.HasPrefix(o.Error, Refused) }
