// Package rundir is the run directory: the names of the files a run
// directory holds, the typed records of test.json and results.json, and
// the one way to write a file into a run directory.
//
// A run directory is the hand-off between running and analysing (DESIGN.md,
// "Run directory"): the runner writes it, analyze re-checks it, the reports
// and the web UI read it. Every package that touches one takes the names
// from here, so the layout is spelled once:
//
//	store/<test-name>/<YYYYMMDDTHHMMSS.sss>/
//	  test.json       ConfigFile    Config, read with ReadConfig
//	  history.jsonl   HistoryFile   package history reads and writes it
//	  results.json    ResultsFile   checker.Results, read with ReadResults
//	  faultline.log   LogFile
//	  index.html      IndexFile
//	  timeline.html   TimelineFile  and KeyTimelineFile(key) per failing key
//	  junit.xml       JUnitFile
//	  plots/          PlotsDir      Plot(name, ext) for each plot and format
//	  nodes/<node>/   NodesDir
//	store/latest, store/<test-name>/latest   Latest
//	store/campaigns/<name>/<time>/           CampaignsDir: CampaignFile, RunsDir, IndexFile, ...
//
// Contract:
//   - The records are byte-compatible with what faultline has always
//     written: the same field names and omitempty rules, indented JSON and a
//     final newline. A reader accepts any directory written since, and
//     ignores fields it does not know.
//   - Write (and everything built on it) never leaves a half-written file:
//     it writes a temp file created exclusively in the same directory,
//     fsyncs it, renames it over the target and fsyncs the directory. A
//     failure removes the temp file and leaves the old file as it was.
//   - Write refuses a name that leaves the directory or whose file, or any
//     directory on the way to it, is a symlink, with an error naming it: a
//     run directory from elsewhere (a CI artifact re-analysed here) cannot
//     redirect a write outside itself.
//
// Example:
//
//	cfg, err := rundir.ReadConfig(dir)
//	res, err := rundir.ReadResults(dir)
//	err = rundir.WriteResults(dir, res)
//	err = rundir.WriteFile(dir, rundir.Plot(rundir.PlotRate, "svg"), svg)
package rundir
