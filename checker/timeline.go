package checker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// TimelineOptions bound the timeline: which keys, how long.
type TimelineOptions struct {
	// FailingKeys are drawn first, in this order (typically IllegalKeys of
	// the verdict pass). Keys absent from the history are ignored.
	FailingKeys []string
	// MaxPassing is how many other keys are drawn after the failing ones,
	// picked evenly across the sorted keys; 0 means 10, negative none.
	MaxPassing int
	// Timeout bounds the verbose search; 0 means DefaultTimeout. When it
	// expires the timeline still shows the partial linearizations found.
	Timeout time.Duration
	// MaxOps bounds the memory of the verbose search (which keeps partial
	// linearizations per op) and the size of the page: keys are taken in
	// order (failing, then passing) while their ops fit; a key that does
	// not fit is skipped. 0 means DefaultTimelineOps, negative no bound.
	MaxOps int
}

// DefaultTimelineOps is TimelineOptions.MaxOps when 0.
const DefaultTimelineOps = 20_000

// TimelineInfo says what a timeline shows.
type TimelineInfo struct {
	Keys       []string // the keys drawn, in order
	Skipped    []string // keys chosen but left out by MaxOps
	Incomplete bool     // the search was cut short by the timeout
}

// WriteTimeline writes porcupine's HTML visualisation of the chosen keys of
// h to w: failing keys first, then a sample of passing ones, with the
// nemesis's faults drawn as annotated intervals (start-X ... stop-X, kill ...
// start, pause ... resume). It runs its own verbose search, separate from the
// verdict pass, bounded by opts.Timeout and opts.MaxOps (and by the
// model's own caps, for the queue FIFOLinearizable's).
func WriteTimeline(ctx context.Context, h history.History, m Model, w io.Writer, opts TimelineOptions) (TimelineInfo, error) {
	prep, err := m.prepare(h)
	if err != nil {
		return TimelineInfo{}, err
	}
	budget := opts.MaxOps
	if budget == 0 {
		budget = DefaultTimelineOps
	}
	if m.timelineOps > 0 && (budget < 0 || budget > m.timelineOps) {
		budget = m.timelineOps
	}
	var (
		keys, skipped []string
		ops           []porcupine.Operation
	)
	for _, k := range timelineKeys(prep.keys, opts) {
		if budget >= 0 && len(ops)+len(prep.keys[k]) > budget {
			skipped = append(skipped, k)
			continue
		}
		keys = append(keys, k)
		ops = append(ops, prep.keys[k]...) // Partition keeps first-seen order
	}
	compactClients(ops)
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if m.timelineTime > 0 {
		timeout = min(timeout, m.timelineTime)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop, release := stopOn(tctx)
	defer release()
	wm, refused := stoppable(m.Porcupine, stop)
	wm.Partition = m.Porcupine.Partition
	_, info := porcupine.CheckOperationsVerbose(wm, ops, 0)
	info.AddAnnotations(nemesisAnnotations(h, prep.endOfTime))
	bw := bufio.NewWriter(w)
	if err := porcupine.Visualize(m.Porcupine, info, bw); err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	return TimelineInfo{Keys: keys, Skipped: skipped, Incomplete: refused.Load()}, nil
}

// WriteTimelineFile is WriteTimeline to a file (a run's timeline.html).
func WriteTimelineFile(ctx context.Context, h history.History, m Model, path string, opts TimelineOptions) (TimelineInfo, error) {
	f, err := os.Create(path)
	if err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	ti, err := WriteTimeline(ctx, h, m, f, opts)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("checker: timeline: %w", cerr)
	}
	return ti, err
}

// compactClients renumbers ClientId densely (in process order): the
// timeline draws one row per ClientId up to the largest, and processes
// renumbered after every info would leave most rows empty. The process
// itself stays in each op's tooltip.
func compactClients(ops []porcupine.Operation) {
	var ids []int
	seen := map[int]bool{}
	for _, o := range ops {
		if !seen[o.ClientId] {
			seen[o.ClientId] = true
			ids = append(ids, o.ClientId)
		}
	}
	sort.Ints(ids)
	row := make(map[int]int, len(ids))
	for i, id := range ids {
		row[id] = i
	}
	for i := range ops {
		ops[i].ClientId = row[ops[i].ClientId]
	}
}

func timelineKeys(all map[string][]porcupine.Operation, opts TimelineOptions) []string {
	var keys []string
	seen := map[string]bool{}
	for _, k := range opts.FailingKeys {
		if _, ok := all[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	n := opts.MaxPassing
	if n == 0 {
		n = 10
	}
	var rest []string
	for _, k := range sortedKeys(all) {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	if n <= 0 {
		return keys
	}
	if len(rest) <= n {
		return append(keys, rest...)
	}
	for i := range n {
		keys = append(keys, rest[i*len(rest)/n])
	}
	return keys
}

// faultFamily says which nemesis f opens and which closes an interval.
// start-X/stop-X is the house convention; kill/start and pause/resume are
// the process faults; Jepsen's own partitioner uses bare start/stop.
func faultFamily(f string, open map[string][]history.Pair) (family string, opens bool) {
	switch {
	case strings.HasPrefix(f, "start-"):
		return strings.TrimPrefix(f, "start-"), true
	case strings.HasPrefix(f, "stop-"):
		return strings.TrimPrefix(f, "stop-"), false
	case f == "kill", f == "pause":
		return f, true
	case f == "resume":
		return "pause", false
	case f == "start" && len(open["kill"]) > 0:
		return "kill", false
	case f == "start":
		return "fault", true
	case f == "stop":
		return "fault", false
	}
	return "", false
}

var faultColours = []string{"#f4cccc", "#fce5cd", "#fff2cc", "#d9ead3", "#cfe2f3", "#d9d2e9", "#ead1dc"}

// nemesisAnnotations turns the nemesis ops into annotations on the "nemesis"
// row: an interval from a fault's start invoke to its stop completion (or to
// end when never stopped), and a point for any other nemesis op.
func nemesisAnnotations(h history.History, end int64) []porcupine.Annotation {
	var (
		out     []porcupine.Annotation
		open    = map[string][]history.Pair{}
		colours = map[string]string{}
	)
	colour := func(fam string) string {
		if c, ok := colours[fam]; ok {
			return c
		}
		c := faultColours[len(colours)%len(faultColours)]
		colours[fam] = c
		return c
	}
	describe := func(p history.Pair) string {
		var parts []string
		for _, o := range []*history.Op{&p.Invoke, p.Completion} {
			if o == nil {
				parts = append(parts, "never completed")
				continue
			}
			s := fmt.Sprintf("%s %s at %s", o.Type, o.F, time.Duration(o.Time))
			if len(o.Value) > 0 {
				s += " " + string(o.Value)
			}
			if o.Error != "" {
				s += " error: " + o.Error
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; ")
	}
	doneTime := func(p history.Pair) int64 {
		if p.Completion != nil {
			return p.Completion.Time
		}
		return end
	}
	for _, p := range h.Pairs() {
		if !p.Invoke.IsNemesis() {
			continue
		}
		fam, opens := faultFamily(p.Invoke.F, open)
		switch {
		case fam != "" && opens:
			open[fam] = append(open[fam], p)
		case fam != "" && len(open[fam]) > 0:
			for _, s := range open[fam] {
				out = append(out, porcupine.Annotation{
					Tag: "nemesis", Start: s.Invoke.Time, End: doneTime(p),
					Description:     fam,
					Details:         describe(s) + " | " + describe(p),
					BackgroundColor: colour(fam),
				})
			}
			open[fam] = nil
		default:
			out = append(out, porcupine.Annotation{
				Tag: "nemesis", Start: p.Invoke.Time, End: doneTime(p),
				Description: p.Invoke.F, Details: describe(p), BackgroundColor: colour(p.Invoke.F),
			})
		}
	}
	fams := sortedKeys(open)
	for _, fam := range fams {
		for _, s := range open[fam] {
			out = append(out, porcupine.Annotation{
				Tag: "nemesis", Start: s.Invoke.Time, End: end,
				Description: fam + " (never healed in history)", Details: describe(s),
				BackgroundColor: colour(fam),
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}
