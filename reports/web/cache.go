package web

import (
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/faultline/faultline/rundir"
)

// runCache keeps the entry of each finished run between requests, so that
// a listing of thousands of runs reads each results.json and history once,
// not on every request. An entry is reused while its run directory and its
// results.json keep their modification times and size: a re-check
// rewrites results.json by a rename (rundir.Write), which changes both, as
// does a report written or a controller starting. A run without results
// (running, or interrupted) is read afresh each time: whether its
// controller lives is not a file's state.
type runCache struct {
	mu sync.Mutex
	m  map[string]cachedRun
}

// cachedRun is a run's entry and the state it was read from.
type cachedRun struct {
	dirMod, resMod time.Time
	resSize        int64
	e              Entry
}

func newRunCache() *runCache { return &runCache{m: map[string]cachedRun{}} }

// run is the entry of the run in p, the directory d in the test
// directory parent (an os.Root on it), from the cache when neither the
// run directory nor its results.json changed.
func (c *runCache) run(s safeFS, p string, d fs.DirEntry, parent *os.Root) (Entry, bool) {
	if c == nil || parent == nil {
		return runEntry(s, p)
	}
	// Stats relative to the test directory, not walks of the whole path
	// from the store: they are what a warm listing costs per run. Neither
	// follows a symlink at its end, and what they give is only a key.
	di, err := d.Info()
	if err != nil {
		return runEntry(s, p)
	}
	ri, err := parent.Lstat(d.Name() + "/" + rundir.ResultsFile)
	if err != nil || !ri.Mode().IsRegular() {
		return runEntry(s, p) // no results: not cached
	}
	key := cachedRun{dirMod: di.ModTime(), resMod: ri.ModTime(), resSize: ri.Size()}
	c.mu.Lock()
	old, ok := c.m[p]
	c.mu.Unlock()
	if ok && old.dirMod.Equal(key.dirMod) && old.resMod.Equal(key.resMod) && old.resSize == key.resSize {
		return old.e, true
	}
	e, ok := runEntry(s, p)
	if !ok {
		return e, false
	}
	key.e = e
	c.mu.Lock()
	c.m[p] = key
	c.mu.Unlock()
	return e, true
}

// prune forgets the runs a scan did not see (deleted from the store).
func (c *runCache) prune(seen map[string]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.m {
		if !seen[p] {
			delete(c.m, p)
		}
	}
}
