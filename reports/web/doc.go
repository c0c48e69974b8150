// Package web is faultline's web UI over a store: a listing of campaigns
// and runs, newest first, 100 to a page (?page=N), coloured by verdict,
// filterable by target, mode, workload, nemesis and verdict and searchable
// by test name (?q=), each run with its report's headline, duration, ops/s
// and the time of its anomaly; every file of the store under /store/ (each
// run's index.html, plots, timeline, history, logs); and the listing of
// any directory under /files/ (names, sizes, times), which reloads itself
// while its run is running.
//
// Contract: it never serves a file outside the store. Paths are resolved
// through an os.Root opened on the store, so "..", absolute paths and
// symlinks that point outside are refused (404) whatever their encoding;
// symlinks that stay inside (store/latest) work. Only GET and HEAD are
// served. /files/ goes through no symlink at all, and lists symlinks and
// special files without linking them. No FIFO or device is ever opened,
// and no file is read whole past a bound (results.json past 8 MiB gives
// only its verdict, from its head, and a note).
//
// It reads the store on each request and writes nothing. A finished run's
// entry is kept between requests while its directory's and results.json's
// modification times and size stay the same, so a listing of thousands of
// runs costs two stats a run (BenchmarkIndexWarm), not a read of each
// results.json and history.
//
// Layout it reads (see DESIGN.md "Run directory"):
//
//	store/<test-name>/<time>/test.json, results.json      a run
//	store/campaigns/<name>/<time>/campaign.json           a campaign
//
//	h, err := web.New("store")
//	http.ListenAndServe("127.0.0.1:8080", h)
package web
