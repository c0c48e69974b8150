package checker

import (
	"maps"
	"slices"
	"strings"
)

// Anomaly names a kind of anomaly a checker counts. A result's Anomalies
// map holds a count for every kind the checker measured (zero included);
// a kind it did not measure is absent, so "none found" and "not looked
// for" never look alike.
type Anomaly string

// The kinds the built-in checkers count. A new checker may count kinds of
// its own: reports and campaign pages show any kind, known or not.
const (
	AnomalyNonLinearizableKey Anomaly = "nonlinearizable-keys"
	AnomalyStaleRead          Anomaly = "stale-reads"
	AnomalyLostWrite          Anomaly = "lost-writes"
	AnomalyLostMessage        Anomaly = "lost-messages"
	AnomalyDuplicatedMessage  Anomaly = "duplicated-messages"
	AnomalyDivergentKey       Anomaly = "divergent-keys"
	// The FIFO queue's violation patterns (FIFO, fifo_patterns.go): a
	// dequeue that overtook an older value, an empty dequeue while a value
	// was certainly queued, a dequeue of a value never enqueued (or before
	// its enqueue began), a value dequeued twice.
	AnomalyFIFOOrder  Anomaly = "fifo-order"
	AnomalyFIFOEmpty  Anomaly = "fifo-empty"
	AnomalyFIFOFresh  Anomaly = "fifo-fresh"
	AnomalyFIFORepeat Anomaly = "fifo-repeat"
)

// anomalyLabels are the words for the known kinds, in the order reports
// list them: a label for sentences and a short one for column heads.
var anomalyLabels = []struct {
	kind         Anomaly
	label, short string
}{
	{AnomalyNonLinearizableKey, "non-linearizable keys", "non-lin keys"},
	{AnomalyStaleRead, "stale reads", "stale reads"},
	{AnomalyLostWrite, "lost writes", "lost writes"},
	{AnomalyLostMessage, "lost messages", "lost msgs"},
	{AnomalyDuplicatedMessage, "duplicated messages", "dup msgs"},
	{AnomalyDivergentKey, "divergent keys", "divergent keys"},
	{AnomalyFIFOOrder, "out-of-order dequeues", "fifo order"},
	{AnomalyFIFOEmpty, "empty dequeues of a non-empty queue", "false empties"},
	{AnomalyFIFOFresh, "dequeues of values never enqueued", "fresh values"},
	{AnomalyFIFORepeat, "repeated dequeues", "repeat deqs"},
}

// Label is a few words for the kind ("3 stale reads"): a known kind's
// own, another's name with its dashes as spaces.
func (a Anomaly) Label() string {
	for _, l := range anomalyLabels {
		if l.kind == a {
			return l.label
		}
	}
	return strings.ReplaceAll(string(a), "-", " ")
}

// Short is Label for a column head.
func (a Anomaly) Short() string {
	for _, l := range anomalyLabels {
		if l.kind == a {
			return l.short
		}
	}
	return a.Label()
}

// Anomalies are anomaly counts by kind.
type Anomalies map[Anomaly]int

// Add adds b's counts to a (a kind measured by either is measured).
func (a Anomalies) Add(b Anomalies) {
	for k, n := range b {
		a[k] += n
	}
}

// Total is the sum of every kind's count.
func (a Anomalies) Total() int {
	t := 0
	for _, n := range a {
		t += n
	}
	return t
}

// OrderAnomalies sorts kinds for display: the known kinds in their order,
// then the others by name.
func OrderAnomalies(kinds []Anomaly) []Anomaly {
	rank := func(a Anomaly) int {
		for i, l := range anomalyLabels {
			if l.kind == a {
				return i
			}
		}
		return len(anomalyLabels)
	}
	out := slices.Clone(kinds)
	slices.SortFunc(out, func(x, y Anomaly) int {
		if rx, ry := rank(x), rank(y); rx != ry {
			return rx - ry
		}
		return strings.Compare(string(x), string(y))
	})
	return slices.Compact(out)
}

// Kinds lists a's kinds in display order.
func (a Anomalies) Kinds() []Anomaly { return OrderAnomalies(slices.Collect(maps.Keys(a))) }
