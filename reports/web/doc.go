// Package web is faultline's web UI over a store: a listing of campaigns
// and runs, newest first, coloured by verdict and filterable by target,
// mode, workload, nemesis and verdict, and every file of the store under
// /store/ (each run's index.html, plots, timeline, history, logs).
//
// Contract: it never serves a file outside the store. Paths are resolved
// through an os.Root opened on the store, so "..", absolute paths and
// symlinks that point outside are refused (404) whatever their encoding;
// symlinks that stay inside (store/latest) work. Only GET and HEAD are
// served. It reads the store on each request and writes nothing.
//
// Layout it reads (see DESIGN.md "Run directory"):
//
//	store/<test-name>/<time>/test.json, results.json      a run
//	store/campaigns/<name>/<time>/campaign.json           a campaign
//
//	h, err := web.New("store")
//	http.ListenAndServe("127.0.0.1:8080", h)
package web
