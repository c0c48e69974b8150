// Package reports turns a checked run into files people read: index.html
// (the verdict first, each checker's explanation, the configuration, stats
// and links) and timeline.html (porcupine's visualisation, failing keys
// first, nemesis intervals annotated). Every page is self-contained: no
// external scripts, fonts or styles.
//
//	err := reports.Write(ctx, runDir, h, results, "cas-register", time.Minute)
package reports
