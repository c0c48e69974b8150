package checker

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// Model is a sequential specification the linearizability checker checks a
// history against: a porcupine model partitioned by key, plus how one
// invoke/completion pair of the history becomes a porcupine operation.
type Model struct {
	// Name is the registry name ("cas-register", "kv").
	Name string
	// Doc is one line for `faultline list`.
	Doc string
	// Fs lists the client functions the model understands.
	Fs []string
	// Porcupine is the model proper. Its Partition splits by key; Init and
	// Step are per key.
	Porcupine porcupine.Model
	// encode turns a pair into the porcupine input and output. It returns
	// keep=false for ops that cannot affect the verdict (a fail, a read
	// whose result is unknown). The completion is nil for an open invoke.
	encode func(inv history.Op, comp *history.Op) (in, out any, keep bool, err error)
	// search makes the verdict pass's traced search of one key from the
	// model's typed spec (see spec.go, trace.go). Every model has one: like
	// encode, it is set by the model's constructor.
	search func(ops []porcupine.Operation, stop, refused *atomic.Bool) keySearch
	// check, when set, is the model's own check of a whole history, which
	// Linearizable.Check and AnalyzeFile use instead of porcupine's search
	// (the queue's: FIFO, polynomial where porcupine is exponential). It
	// reads Timeout and MinOK from l; an op it cannot read is an error
	// wrapping ErrBadInput.
	check func(ctx context.Context, h history.History, l Linearizable) (Result, error)
	// timelineOps and timelineTime, when set, cap WriteTimeline's MaxOps
	// and Timeout for this model: a model whose search is exponential in
	// the concurrency of one object (the queue) would otherwise spend the
	// whole budget on a search it cannot finish.
	timelineOps  int
	timelineTime time.Duration
}

// historyModels is the table of checker models: a new model is its file plus one
// line here.
var historyModels = []func() Model{CASRegister, KV, FIFOQueue}

// ModelNames lists the models ModelByName knows.
var ModelNames = func() []string {
	var out []string
	for _, m := range historyModels {
		out = append(out, m().Name)
	}
	return out
}()

// ModelByName returns the model called name, or an error wrapping
// ErrBadInput.
func ModelByName(name string) (Model, error) {
	for _, m := range historyModels {
		if mm := m(); mm.Name == name {
			return mm, nil
		}
	}
	return Model{}, fmt.Errorf("%w: --model %q is not one of %s", ErrBadInput, name, strings.Join(ModelNames, ", "))
}

// opMeta rides along each porcupine operation as Metadata (a *opMeta, from
// a slab: one allocation per thousand ops keeps the garbage collector's work
// small on large histories): where the op is in
// the history, for explanations and the timeline's tooltips.
type opMeta struct {
	Index   int64 // index of the invoke
	Process history.Process
	Node    string
	Type    history.Type // the completion's type; info for an open invoke
	Error   string
}

func describeMeta(m any) string {
	om, ok := m.(*opMeta)
	if !ok {
		return ""
	}
	s := fmt.Sprintf("index %d, process %s", om.Index, om.Process)
	if om.Node != "" {
		s += ", node " + om.Node
	}
	if om.Type != history.OK {
		s += ", " + string(om.Type)
	}
	if om.Error != "" {
		s += ": " + om.Error
	}
	return s
}

// partitionByKey is every model's Partition: the key is the partition.
func partitionByKey(key func(in any) string) func([]porcupine.Operation) [][]porcupine.Operation {
	return func(ops []porcupine.Operation) [][]porcupine.Operation {
		idx := map[string]int{}
		var parts [][]porcupine.Operation
		for _, op := range ops {
			k := key(op.Input)
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
}

// stepContext adapts a pure step to porcupine's StepContext.
func stepContext(step func(s, in, out any) (bool, any)) func(ctx context.Context, s, in, out any) (bool, any) {
	return func(ctx context.Context, s, in, out any) (bool, any) {
		if ctx.Err() != nil {
			return false, s
		}
		return step(s, in, out)
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
