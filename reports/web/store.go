package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/rundir"
)

// Entry is one run or campaign in the listing.
type Entry struct {
	Kind     string   `json:"kind"` // "run" or "campaign"
	Name     string   `json:"name"` // test or campaign name
	Time     string   `json:"time"` // the directory name, YYYYMMDDTHHMMSS.sss
	Path     string   `json:"path"` // relative to the store, slash-separated
	Verdict  string   `json:"verdict"`
	Target   string   `json:"target,omitempty"`
	Mode     string   `json:"mode,omitempty"`
	Workload string   `json:"workload,omitempty"`
	Nemeses  []string `json:"nemeses,omitempty"`
	Seed     *int64   `json:"seed,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Report   string   `json:"report,omitempty"` // index.html path when it exists
	// Headline is the report's sentence under the verdict (see headline).
	Headline string `json:"headline,omitempty"`
	// Duration is the time of the run's last op (seconds since it
	// started): how long it ran, or has run so far.
	Duration float64 `json:"duration_s,omitempty"`
	// ClientOps is the number of client ops invoked (results.json's
	// stats.client_ops) and OpsPerSec that over Duration.
	ClientOps int64   `json:"client_ops,omitempty"`
	OpsPerSec float64 `json:"ops_per_sec,omitempty"`
	// AnomalyAt is when the op that cannot be linearized completed
	// (seconds since the run started), as the report marks it.
	AnomalyAt *float64 `json:"anomaly_at_s,omitempty"`
	// Note says why figures are missing (a results.json too large to read).
	Note string `json:"note,omitempty"`
}

// campaignMeta is the part of campaign.json the listing shows.
type campaignMeta struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
}

// maxCampaign is the largest campaign.json the listing reads.
const maxCampaign = 8 << 20

// Scan lists the store's runs and campaigns, newest first. A run is a
// directory store/<name>/<time> with a test.json; its verdict is
// results.json's, or "running" when there is none yet and its controller
// lives ("interrupted" when it does not). A campaign is
// store/campaigns/<name>/<time> with a campaign.json. Symlinks (latest)
// are not followed, so nothing is listed twice; FIFOs and other special
// files are never opened, and no file is read whole past a bound (see
// maxResults).
func Scan(root *os.Root) ([]Entry, error) { return scan(root, nil) }

// scan is Scan with a cache of finished runs (nil for none).
func scan(root *os.Root, c *runCache) ([]Entry, error) {
	s := safeFS{root}
	var out []Entry
	tops, err := fs.ReadDir(s, ".")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, top := range tops {
		if !top.IsDir() {
			continue
		}
		if top.Name() == rundir.CampaignsDir {
			out = append(out, scanCampaigns(s)...)
			continue
		}
		out = append(out, scanTimes(s, top.Name(), func(p string, d fs.DirEntry, parent *os.Root) (Entry, bool) {
			seen[p] = true
			return c.run(s, p, d, parent)
		})...)
	}
	c.prune(seen)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}

func scanCampaigns(s safeFS) []Entry {
	var out []Entry
	names, _ := fs.ReadDir(s, rundir.CampaignsDir)
	for _, n := range names {
		if n.IsDir() {
			out = append(out, scanTimes(s, path.Join(rundir.CampaignsDir, n.Name()), func(p string, _ fs.DirEntry, _ *os.Root) (Entry, bool) {
				b, err := s.readCapped(path.Join(p, rundir.CampaignFile), maxCampaign)
				if err != nil {
					return Entry{}, false
				}
				var m campaignMeta
				json.Unmarshal(b, &m)
				e := Entry{Kind: "campaign", Name: m.Name, Verdict: clipText(m.Verdict, 20)}
				if _, err := fs.Stat(s, path.Join(p, rundir.IndexFile)); err == nil {
					e.Report = path.Join(p, rundir.IndexFile)
				}
				return e, true
			})...)
		}
	}
	return out
}

// scanTimes lists the directories of dir named like runs (rundir.IsTimeName)
// for which entry gives an entry, filling in where each is; entry is
// handed each directory's entry and an os.Root on dir (nil if it would not
// open).
func scanTimes(s safeFS, dir string, entry func(p string, d fs.DirEntry, parent *os.Root) (Entry, bool)) []Entry {
	parent, err := s.root.OpenRoot(dir)
	if err == nil {
		defer parent.Close()
	}
	times, _ := fs.ReadDir(s, dir)
	var out []Entry
	for _, t := range times {
		if !t.IsDir() || !rundir.IsTimeName(t.Name()) {
			continue
		}
		p := path.Join(dir, t.Name())
		e, ok := entry(p, t, parent)
		if !ok {
			continue
		}
		e.Time, e.Path = t.Name(), p
		if e.Name == "" {
			e.Name = path.Base(dir)
		}
		if e.Verdict == "" {
			e.Verdict = "unknown"
		}
		out = append(out, e)
	}
	return out
}

// runEntry is the run in directory p, or false when it has no readable
// test.json. A test.json that does not decode still lists its run, with
// what did decode.
func runEntry(s safeFS, p string) (Entry, bool) {
	b, err := s.ReadFile(path.Join(p, rundir.ConfigFile))
	var tl *tooLargeError
	if err != nil && !errors.As(err, &tl) {
		return Entry{}, false
	}
	var c rundir.Config
	json.Unmarshal(b, &c)
	e := Entry{Kind: "run", Name: c.Name, Verdict: "running", Target: c.Target, Mode: c.Mode,
		Workload: c.Workload, Nemeses: c.Nemeses, Seed: &c.Seed}
	if tl != nil {
		e.Note = fmt.Sprintf("%s is %s", rundir.ConfigFile, tl)
	}
	if _, err := fs.Stat(s, path.Join(p, rundir.IndexFile)); err == nil {
		e.Report = path.Join(p, rundir.IndexFile)
	}
	if runResults(s, p, &e) {
		return e, true
	}
	if end, ok := lastOpTime(s, path.Join(p, rundir.HistoryFile)); ok && end > 0 {
		e.Duration = secs(end)
	}
	if rundir.ControllerAlive(s, p) {
		e.Headline = "running: no results yet"
	} else {
		// No results and no live controller: the run will never finish.
		e.Verdict = "interrupted"
		e.Summary = "no results: the controller stopped before checking (re-check with faultline analyze RUN_DIR)"
		e.Headline = e.Summary
	}
	return e, true
}

// firstProblem is the summary of the first checker (by name) with the
// run's verdict, when that verdict is not valid.
func firstProblem(r checker.Results) string {
	if r.Verdict == checker.Valid {
		return ""
	}
	var names []string
	for n := range r.Checkers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if c := r.Checkers[n]; c.Verdict == r.Verdict {
			return n + ": " + c.Summary
		}
	}
	return ""
}

// Filter selects entries; an empty field matches everything.
type Filter struct {
	Target, Mode, Workload, Nemesis, Verdict, Kind string
	// Query is a search: it matches an entry whose name contains it,
	// ignoring case.
	Query string
}

// Match reports whether e passes f. Nemesis matches a run whose nemeses
// include it ("none" matches runs without faults).
func (f Filter) Match(e Entry) bool {
	eq := func(want, have string) bool { return want == "" || want == have }
	if !eq(f.Target, e.Target) || !eq(f.Mode, e.Mode) || !eq(f.Workload, e.Workload) ||
		!eq(f.Verdict, e.Verdict) || !eq(f.Kind, e.Kind) {
		return false
	}
	if f.Query != "" && !strings.Contains(strings.ToLower(e.Name), strings.ToLower(f.Query)) {
		return false
	}
	if f.Nemesis == "" {
		return true
	}
	if f.Nemesis == "none" {
		return len(e.Nemeses) == 0
	}
	for _, n := range e.Nemeses {
		if n == f.Nemesis {
			return true
		}
	}
	return false
}

// options lists the distinct values of each filterable field.
func options(es []Entry) map[string][]string {
	sets := map[string]map[string]bool{"target": {}, "mode": {}, "workload": {}, "nemesis": {}, "verdict": {}}
	for _, e := range es {
		add := func(k, v string) {
			if v != "" {
				sets[k][v] = true
			}
		}
		add("target", e.Target)
		add("mode", e.Mode)
		add("workload", e.Workload)
		add("verdict", e.Verdict)
		for _, n := range e.Nemeses {
			add("nemesis", n)
		}
		if e.Kind == "run" && len(e.Nemeses) == 0 {
			add("nemesis", "none")
		}
	}
	out := map[string][]string{}
	for k, s := range sets {
		for v := range s {
			out[k] = append(out[k], v)
		}
		sort.Strings(out[k])
	}
	return out
}

func joinNemeses(ns []string) string {
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ",")
}
