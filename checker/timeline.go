package checker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/fault"
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
	// order (failing, then passing) while their ops fit. A key that does
	// not fit is drawn in part, as a window of the ops that still fit
	// (around its Focus when it has one, else its first ops), if it is
	// failing or nothing else is drawn; otherwise it is skipped. 0 means
	// DefaultTimelineOps, negative no bound.
	MaxOps int
	// Focus says where each key's anomaly is (see FocusOf): the window of
	// a key too long to draw whole is drawn around it, the op at fault is
	// marked on the timeline's "anomaly" row, and the page opens there.
	Focus map[string]TimelineFocus
}

// DefaultTimelineOps is TimelineOptions.MaxOps when 0.
const DefaultTimelineOps = 20_000

// TimelineInfo says what a timeline shows.
type TimelineInfo struct {
	Keys    []string // the keys drawn, whole or in part, in order
	Skipped []string // keys chosen but left out by MaxOps
	// Windows describes the keys of Keys drawn in part, by key.
	Windows map[string]TimelineWindow
	// Aside is how many client ops the check leaves out (fails, and ops
	// whose outcome cannot change the verdict) are drawn on their
	// process's row as annotations; AsideLeftOut how many more were not
	// drawn, past MaxOps.
	Aside, AsideLeftOut int
	Incomplete          bool // the search was cut short by the timeout
}

// WriteTimeline writes porcupine's HTML visualisation of the chosen keys of
// h to w: failing keys first, then a sample of passing ones, with the
// nemesis's faults drawn as annotated intervals (start-X ... stop-X, kill ...
// start, pause ... resume), the client ops the check leaves out (fails)
// drawn on their process's row, and each Focus marked on an "anomaly" row.
// It runs its own verbose search, separate from the verdict pass, bounded
// by opts.Timeout and opts.MaxOps (and by the model's own caps: the queue's
// DefaultFIFOMaxOps and DefaultFIFOTimeout); a key drawn as a window (see
// TimelineOptions.MaxOps) is not searched, since a window starts from a
// state the model cannot know. Times in the page read in seconds since the
// run started; the page opens at the first error or anomaly it shows.
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
	plan := planTimeline(prep, opts, budget)
	ops := plan.operations()
	aside, asideLeft := asideAnnotations(h, m, plan, budget)
	compactClients(ops, aside)
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if m.timelineTime > 0 {
		timeout = min(timeout, m.timelineTime)
	}
	// The verbose search keeps partial linearizations: it is bounded by
	// memory as well as by time and MaxOps.
	mctx, overMemory, releaseMem := withMemoryBudget(ctx, 0)
	defer releaseMem()
	tctx, cancel := context.WithTimeout(mctx, timeout)
	defer cancel()
	stop, release := stopOn(tctx)
	defer release()
	tm := timelineModel(m.Porcupine)
	wm, refused := stoppable(tm, stop)
	wm.Partition = tm.Partition
	_, info := porcupine.CheckOperationsVerbose(wm, ops, 0)
	info.AddAnnotations(nemesisAnnotations(h, prep.endOfTime))
	info.AddAnnotations(aside)
	info.AddAnnotations(plan.marks())
	var page bytes.Buffer
	if err := porcupine.Visualize(htmlSafe(tm), info, &page); err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	ti := TimelineInfo{Keys: plan.keys(), Skipped: plan.skipped, Windows: plan.windows(), Aside: len(aside), AsideLeftOut: asideLeft,
		Incomplete: refused.Load() || overMemory.Load()}
	bw := bufio.NewWriter(w)
	if err := finishPage(bw, page.Bytes(), prep.endOfTime, plan, ti); err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return TimelineInfo{}, fmt.Errorf("checker: timeline: %w", err)
	}
	return ti, nil
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

// compactClients renumbers ClientId densely (in process order), in ops
// and in the client annotations: the timeline draws one row per ClientId
// up to the largest, and processes renumbered after every info would leave
// most rows empty. The process itself stays in each op's tooltip.
func compactClients(ops []porcupine.Operation, annotations []porcupine.Annotation) {
	var ids []int
	seen := map[int]bool{}
	see := func(id int) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, o := range ops {
		see(o.ClientId)
	}
	for _, a := range annotations {
		see(a.ClientId)
	}
	sort.Ints(ids)
	row := make(map[int]int, len(ids))
	for i, id := range ids {
		row[id] = i
	}
	for i := range ops {
		ops[i].ClientId = row[ops[i].ClientId]
	}
	for i := range annotations {
		annotations[i].ClientId = row[annotations[i].ClientId]
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

// nemesisAnnotations draws the fault intervals (package fault, the same
// intervals the report shades, in the same colours, tinted so the text on
// them stays readable) on the "nemesis" row: from a fault's opening invoke
// to the completion of the op that closed it (a heal closes all), or to
// end when nothing did.
func nemesisAnnotations(h history.History, end int64) []porcupine.Annotation {
	describe := func(p history.Pair) string {
		var parts []string
		for _, o := range []*history.Op{&p.Invoke, p.Completion} {
			if o == nil {
				parts = append(parts, "never completed")
				continue
			}
			s := fmt.Sprintf("%s %s at %s", o.Type, o.F, seconds(o.Time))
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
	var out []porcupine.Annotation
	for _, iv := range fault.Intervals(h) {
		var details []string
		for _, p := range iv.Opened {
			details = append(details, describe(p))
		}
		desc := iv.Family
		switch {
		case iv.Closed != nil:
			details = append(details, describe(*iv.Closed))
		case !iv.Healed:
			desc += " (never healed in history)"
		}
		if iv.Uncertain {
			desc += " (may not have taken effect)"
		}
		stop := iv.End
		if !iv.Healed {
			stop = max(stop, end) // porcupine's end of time: past every op
		}
		out = append(out, porcupine.Annotation{
			Tag: "nemesis", Start: iv.Start, End: stop,
			Description: desc, Details: strings.Join(details, " | "),
			BackgroundColor: fault.Tint(iv.Family, 0.6),
		})
	}
	return out
}

// htmlSafe returns m with every description the visualisation shows
// escaped: porcupine puts state descriptions and op metadata into a
// tooltip's innerHTML, and they carry values, node names and error texts
// from the history, which a hostile history could fill with markup. Op
// descriptions and annotations go through textContent and stay as they are.
func htmlSafe(m porcupine.Model) porcupine.Model {
	w := m
	if f := m.DescribeState; f != nil {
		w.DescribeState = func(s any) string { return html.EscapeString(f(s)) }
	}
	if f := m.DescribeOperationMetadata; f != nil {
		w.DescribeOperationMetadata = func(md any) string { return html.EscapeString(f(md)) }
	}
	return w
}
