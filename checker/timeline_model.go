package checker

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// timelineInput is an op's input as the timeline's search sees it: the
// model's input, with the op's key (the timeline partitions by it) and
// whether the key is searched.
type timelineInput struct {
	in  any
	key string
	// unsearched: the key is drawn as a window, which starts mid-history
	// from a state the model cannot know, so every step is taken as legal
	// (a search from the initial state would report errors that are not
	// in the history). The verdict is the checker's, over the whole key.
	unsearched bool
	// note follows the op's description: " (info)" for an op whose outcome
	// is unknown.
	note string
}

// unsearchedState is the state of a key drawn as a window.
type unsearchedState struct{}

// unsearchedText is the state description of a key drawn as a window.
const unsearchedText = "not searched: this key is drawn as a window, which starts mid-history from a state the model cannot know"

// timelineModel is m for the timeline's ops (inputs are *timelineInput):
// partitioned by the ops' keys, with every step of an unsearched key legal,
// and an op's description followed by its note.
func timelineModel(m porcupine.Model) porcupine.Model {
	step, equal, hash := m.Step, m.Equal, m.Hash
	describeOp, describeState := m.DescribeOperation, m.DescribeState
	w := m
	w.PartitionEvent = nil
	w.Partition = func(ops []porcupine.Operation) [][]porcupine.Operation {
		idx := map[string]int{}
		var parts [][]porcupine.Operation
		for _, op := range ops {
			k := op.Input.(*timelineInput).key
			i, ok := idx[k]
			if !ok {
				i = len(parts)
				idx[k] = i
				parts = append(parts, nil)
			}
			parts[i] = append(parts[i], op)
		}
		return parts
	}
	w.Step = func(s, in, out any) (bool, any) {
		ti := in.(*timelineInput)
		if ti.unsearched {
			return true, unsearchedState{}
		}
		return step(s, ti.in, out)
	}
	w.StepContext = stepContext(w.Step)
	w.Equal = func(a, b any) bool {
		_, ua := a.(unsearchedState)
		_, ub := b.(unsearchedState)
		if ua || ub {
			return ua && ub
		}
		if equal == nil {
			return a == b
		}
		return equal(a, b)
	}
	w.Hash = nil
	if hash != nil {
		w.Hash = func(s any) uint64 {
			if _, ok := s.(unsearchedState); ok {
				return 0
			}
			return hash(s)
		}
	}
	w.DescribeOperation = func(in, out any) string {
		ti := in.(*timelineInput)
		if describeOp == nil {
			return fmt.Sprintf("%v -> %v", ti.in, out) + ti.note
		}
		return describeOp(ti.in, out) + ti.note
	}
	w.DescribeState = func(s any) string {
		if _, ok := s.(unsearchedState); ok {
			return unsearchedText
		}
		if describeState == nil {
			return fmt.Sprintf("%v", s)
		}
		return describeState(s)
	}
	return w
}
