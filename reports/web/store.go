package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// runTime matches run directory names: YYYYMMDDTHHMMSS.sss.
var runTime = regexp.MustCompile(`^\d{8}T\d{6}(\.\d+)?$`)

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

// runMeta is the part of test.json and campaign.json the listing shows.
type runMeta struct {
	Name     string   `json:"name"`
	Target   string   `json:"target"`
	Mode     string   `json:"mode"`
	Workload string   `json:"workload"`
	Nemeses  []string `json:"nemeses"`
	Seed     *int64   `json:"seed"`
	Verdict  string   `json:"verdict"` // campaign.json carries its own
}

type resultsMeta struct {
	Verdict  string `json:"verdict"`
	Checkers map[string]struct {
		Verdict string `json:"verdict"`
		Summary string `json:"summary"`
	} `json:"checkers"`
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
		if top.Name() == "campaigns" {
			out = append(out, scanCampaigns(fsys)...)
			continue
		}
		out = append(out, scanRuns(fsys, top.Name(), "run", "test.json")...)
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
	names, _ := fs.ReadDir(fsys, "campaigns")
	for _, n := range names {
		if n.IsDir() {
			out = append(out, scanRuns(fsys, path.Join("campaigns", n.Name()), "campaign", "campaign.json")...)
		}
	}
	return out
}

func scanRuns(fsys fs.FS, dir, kind, metaFile string) []Entry {
	var out []Entry
	times, _ := fs.ReadDir(fsys, dir)
	for _, t := range times {
		if !t.IsDir() || !runTime.MatchString(t.Name()) {
			continue
		}
		p := path.Join(dir, t.Name())
		b, err := fs.ReadFile(fsys, path.Join(p, metaFile))
		if err != nil {
			continue
		}
		var m runMeta
		json.Unmarshal(b, &m)
		e := Entry{Kind: kind, Name: m.Name, Time: t.Name(), Path: p, Verdict: m.Verdict, Target: m.Target,
			Mode: m.Mode, Workload: m.Workload, Nemeses: m.Nemeses, Seed: m.Seed}
		if e.Name == "" {
			e.Name = path.Base(dir)
		}
		if kind == "run" {
			e.Verdict = "running"
			if b, err := fs.ReadFile(fsys, path.Join(p, "results.json")); err == nil {
				var r resultsMeta
				if json.Unmarshal(b, &r) == nil && r.Verdict != "" {
					e.Verdict = r.Verdict
					e.Summary = firstProblem(r)
				}
			}
		}
		if e.Verdict == "" {
			e.Verdict = "unknown"
		}
		if _, err := fs.Stat(fsys, path.Join(p, "index.html")); err == nil {
			e.Report = path.Join(p, "index.html")
		}
		out = append(out, e)
	}
	return out
}

// firstProblem is the summary of the first checker (by name) with the
// run's verdict, when that verdict is not valid.
func firstProblem(r resultsMeta) string {
	if r.Verdict == "valid" {
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
