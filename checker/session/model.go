package session

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/checker"
)

// Model is one of the six models the checker decides, each per key: the
// four session guarantees and the two models they compose into.
type Model string

// The six models. PRAM is monotonic reads, monotonic writes and
// read-your-writes together; causal is all four guarantees together (see
// the package doc for why, and for what that means).
const (
	ReadYourWrites    Model = "read-your-writes"
	MonotonicReads    Model = "monotonic-reads"
	MonotonicWrites   Model = "monotonic-writes"
	WritesFollowReads Model = "writes-follow-reads"
	PRAM              Model = "pram"
	Causal            Model = "causal"
)

// AllModels returns the six models in the order results list them.
func AllModels() []Model {
	return []Model{ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads, PRAM, Causal}
}

// ParseModel returns the model named s (as Model's constants spell it).
func ParseModel(s string) (Model, error) {
	for _, m := range AllModels() {
		if string(m) == s {
			return m, nil
		}
	}
	names := make([]string, 0, 6)
	for _, m := range AllModels() {
		names = append(names, string(m))
	}
	return "", fmt.Errorf("%w: session: unknown model %q (known: %s)", checker.ErrBadInput, s, strings.Join(names, ", "))
}

// Anomaly is the kind the checker counts the model's violating keys under:
// the model's name and "-violations" ("pram-violations").
func (m Model) Anomaly() checker.Anomaly { return checker.Anomaly(string(m) + "-violations") }

// guarantee is a set of the four session guarantees.
type guarantee uint8

const (
	gRYW guarantee = 1 << iota
	gMR
	gMW
	gWFR
	nGuarantees = 4
)

// guarantees is what the model asks of a history: the guarantees that
// must hold together, with one visibility and one arbitration.
func (m Model) guarantees() guarantee {
	switch m {
	case ReadYourWrites:
		return gRYW
	case MonotonicReads:
		return gMR
	case MonotonicWrites:
		return gMW
	case WritesFollowReads:
		return gWFR
	case PRAM:
		return gMR | gMW | gRYW
	case Causal:
		return gMR | gMW | gRYW | gWFR
	}
	return 0
}

// label is the model's name in a sentence.
func (m Model) label() string {
	switch m {
	case ReadYourWrites:
		return "read-your-writes"
	case PRAM:
		return "PRAM"
	case Causal:
		return "causal consistency"
	}
	return strings.ReplaceAll(string(m), "-", " ")
}

// principle is what the model promises, in words, for explanations.
func (m Model) principle() string {
	switch m {
	case ReadYourWrites:
		return "a session's reads reflect its own earlier writes"
	case MonotonicReads:
		return "a session's reads never go back"
	case MonotonicWrites:
		return "a session's writes take effect in the order it issued them"
	case WritesFollowReads:
		return "a session's writes take effect after the writes it has read"
	case PRAM:
		return "a session's reads never go back and reflect its own writes, and its writes take effect in order"
	case Causal:
		return "a write takes effect after everything its session wrote or read before it, and reads never go back"
	}
	return ""
}

// model is the model of the single guarantee g.
func (g guarantee) model() Model {
	switch g {
	case gRYW:
		return ReadYourWrites
	case gMR:
		return MonotonicReads
	case gMW:
		return MonotonicWrites
	case gWFR:
		return WritesFollowReads
	}
	return ""
}

// index is the position of a single guarantee in [0, nGuarantees).
func (g guarantee) index() int {
	for i := range nGuarantees {
		if g == 1<<i {
			return i
		}
	}
	return -1
}
