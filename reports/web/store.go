package web

import (
	"encoding/json"
	"errors"
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
}

// campaignMeta is the part of campaign.json the listing shows.
type campaignMeta struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
}

// Scan lists the store's runs and campaigns, newest first. A run is a
// directory store/<name>/<time> with a test.json; its verdict is
// results.json's, or "running" when there is none yet. A campaign is
// store/campaigns/<name>/<time> with a campaign.json. Symlinks (latest)
// are not followed, so nothing is listed twice.
func Scan(root *os.Root) ([]Entry, error) {
	fsys := root.FS()
	var out []Entry
	tops, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	for _, top := range tops {
		if !top.IsDir() {
			continue
		}
		if top.Name() == rundir.CampaignsDir {
			out = append(out, scanCampaigns(fsys)...)
			continue
		}
		out = append(out, scanTimes(fsys, top.Name(), func(p string) (Entry, bool) { return runEntry(fsys, p) })...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Path < out[j].Path
	})
	return out, nil
}

func scanCampaigns(fsys fs.FS) []Entry {
	var out []Entry
	names, _ := fs.ReadDir(fsys, rundir.CampaignsDir)
	for _, n := range names {
		if n.IsDir() {
			out = append(out, scanTimes(fsys, path.Join(rundir.CampaignsDir, n.Name()), func(p string) (Entry, bool) {
				b, err := fs.ReadFile(fsys, path.Join(p, rundir.CampaignFile))
				if err != nil {
					return Entry{}, false
				}
				var m campaignMeta
				json.Unmarshal(b, &m)
				return Entry{Kind: "campaign", Name: m.Name, Verdict: m.Verdict}, true
			})...)
		}
	}
	return out
}

// scanTimes lists the directories of dir named like runs (rundir.IsTimeName)
// for which entry gives an entry, filling in where each is.
func scanTimes(fsys fs.FS, dir string, entry func(p string) (Entry, bool)) []Entry {
	var out []Entry
	times, _ := fs.ReadDir(fsys, dir)
	for _, t := range times {
		if !t.IsDir() || !rundir.IsTimeName(t.Name()) {
			continue
		}
		p := path.Join(dir, t.Name())
		e, ok := entry(p)
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
		if _, err := fs.Stat(fsys, path.Join(p, rundir.IndexFile)); err == nil {
			e.Report = path.Join(p, rundir.IndexFile)
		}
		out = append(out, e)
	}
	return out
}

// runEntry is the run in directory p, or false when it has no readable
// test.json. A test.json that does not decode still lists its run, with
// what did decode.
func runEntry(fsys fs.FS, p string) (Entry, bool) {
	c, err := rundir.ReadConfigFS(fsys, p)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return Entry{}, false
	}
	e := Entry{Kind: "run", Name: c.Name, Verdict: "running", Target: c.Target, Mode: c.Mode,
		Workload: c.Workload, Nemeses: c.Nemeses, Seed: &c.Seed}
	if res, err := rundir.ReadResultsFS(fsys, p); err == nil && res.Verdict != "" {
		e.Verdict = string(res.Verdict)
		e.Summary = firstProblem(res)
	} else if !rundir.ControllerAlive(fsys, p) {
		// No results and no live controller: the run will never finish.
		e.Verdict = "interrupted"
		e.Summary = "no results: the controller stopped before checking (re-check with faultline analyze RUN_DIR)"
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
}

// Match reports whether e passes f. Nemesis matches a run whose nemeses
// include it ("none" matches runs without faults).
func (f Filter) Match(e Entry) bool {
	eq := func(want, have string) bool { return want == "" || want == have }
	if !eq(f.Target, e.Target) || !eq(f.Mode, e.Mode) || !eq(f.Workload, e.Workload) ||
		!eq(f.Verdict, e.Verdict) || !eq(f.Kind, e.Kind) {
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
