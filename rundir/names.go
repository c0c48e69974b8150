package rundir

import (
	"fmt"
	"path"
	"regexp"
)

// The files and subdirectories of a run directory,
// store/<test-name>/<YYYYMMDDTHHMMSS.sss>/ (DESIGN.md, "Run directory").
// Names are relative to the run directory and slash-separated.
const (
	// ConfigFile is the test's configuration (Config), written before the
	// run starts.
	ConfigFile = "test.json"
	// HistoryFile is every op, one JSON object per line, appended and
	// fsynced as the run goes.
	HistoryFile = "history.jsonl"
	// ResultsFile is the checkers' verdicts (checker.Results), written
	// after checking and rewritten by every re-check.
	ResultsFile = "results.json"
	// LogFile is the controller's log (slog text), appended during the run.
	LogFile = "faultline.log"
	// IndexFile is the human report.
	IndexFile = "index.html"
	// TimelineFile is porcupine's timeline of every checked key, failing
	// keys first; KeyTimelineFile names the timeline of one key.
	TimelineFile = "timeline.html"
	// JUnitFile is JUnit XML, one testcase per checker.
	JUnitFile = "junit.xml"
	// PlotsDir holds the plots, each as PNG and SVG (see Plot).
	PlotsDir = "plots"
	// NodesDir holds what was fetched from each node, in NodesDir/<node>/.
	NodesDir = "nodes"
)

// The plots of a run, in PlotsDir, each in every PlotFormats format.
const (
	PlotLatencyRaw       = "latency-raw"       // one point per client op
	PlotLatencyQuantiles = "latency-quantiles" // p50/p95/p99/max per window
	PlotRate             = "rate"              // completions per second
	PlotClock            = "clock"             // each node's clock offset
)

// PlotFormats are the formats every plot is written in, as file name
// extensions without the dot.
var PlotFormats = []string{"png", "svg"}

// Plot is the name of a plot file in a run (or campaign) directory:
// plots/<name>.<ext>.
func Plot(name, ext string) string { return path.Join(PlotsDir, name+"."+ext) }

// The store around run directories. A campaign directory,
// store/campaigns/<name>/<time>/, is made like a run directory (New) and
// holds its own IndexFile, JUnitFile and PlotsDir beside CampaignFile and
// RunsDir.
const (
	// Latest is the symlink to the newest run: store/latest,
	// store/<test-name>/latest and store/campaigns/<name>/latest.
	Latest = "latest"
	// CampaignsDir is the store's directory of campaigns.
	CampaignsDir = "campaigns"
	// CampaignFile is a campaign directory's campaign.Summary.
	CampaignFile = "campaign.json"
	// RunsDir holds a campaign's links to its cells' run directories,
	// RunsDir/<cell-id>.
	RunsDir = "runs"
)

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// KeyTimelineFile is the name of one key's own timeline in the run
// directory: timeline-<key>.html, with characters unsafe in a file name
// replaced, and a hash of the key when replacing made it ambiguous.
func KeyTimelineFile(key string) string {
	safe := unsafeKeyChars.ReplaceAllString(key, "_")
	if safe != key || len(safe) > 64 {
		var h uint32 = 2166136261
		for i := 0; i < len(key); i++ {
			h = (h ^ uint32(key[i])) * 16777619
		}
		if len(safe) > 48 {
			safe = safe[:48]
		}
		safe = fmt.Sprintf("%s-%08x", safe, h)
	}
	return "timeline-" + safe + ".html"
}
