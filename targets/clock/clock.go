package clock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// DefaultCheckEvery is how often, at most, Now looks at the clock file.
const DefaultCheckEvery = 10 * time.Millisecond

// Options tunes a Clock; the zero value is the default.
type Options struct {
	// Sys is the system clock (time.Now when nil); tests pass a fake.
	Sys func() time.Time
	// CheckEvery bounds how often the file is stat'ed
	// (DefaultCheckEvery when 0).
	CheckEvery time.Duration
}

// Clock is a node clock backed by a clock file. It is safe for concurrent
// use.
type Clock struct {
	path  string
	sys   func() time.Time
	every time.Duration

	mu      sync.Mutex
	cfg     Config
	checked time.Time   // system time of the last stat
	info    fs.FileInfo // the file as last loaded; nil when absent
	err     error       // the last load's error, if any
}

// New returns the clock of the file at path. An empty path is the system
// clock with no file.
func New(path string, opts Options) *Clock {
	if opts.Sys == nil {
		opts.Sys = time.Now
	}
	if opts.CheckEvery <= 0 {
		opts.CheckEvery = DefaultCheckEvery
	}
	c := &Clock{path: path, sys: opts.Sys, every: opts.CheckEvery}
	c.mu.Lock()
	c.refresh(c.sys(), true)
	c.mu.Unlock()
	return c
}

// System returns a clock with no file: the system time.
func System() *Clock { return New("", Options{}) }

// Path is the clock file's path ("" for System).
func (c *Clock) Path() string { return c.path }

// Now is the node time.
func (c *Clock) Now() time.Time {
	sys := c.sys()
	c.mu.Lock()
	c.refresh(sys, false)
	cfg := c.cfg
	c.mu.Unlock()
	return cfg.At(sys)
}

// Config returns the setting in force (re-reading the file if due).
func (c *Clock) Config() Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh(c.sys(), false)
	return c.cfg
}

// Err is the last error reading the clock file (nil when it was absent or
// good): a bad file leaves the previous setting in force.
func (c *Clock) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// refresh re-reads the file if CheckEvery passed since the last look (or
// force) and the file changed. Called with c.mu held.
func (c *Clock) refresh(sys time.Time, force bool) {
	if c.path == "" {
		return
	}
	if !force && sys.Sub(c.checked) < c.every && sys.Sub(c.checked) >= 0 {
		return
	}
	c.checked = sys
	fi, err := os.Stat(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		c.info, c.cfg, c.err = nil, Config{}, nil
		return
	}
	if err != nil {
		c.err = fmt.Errorf("clock: %s: %w", c.path, err)
		return
	}
	if !force && c.info != nil && os.SameFile(fi, c.info) && fi.ModTime().Equal(c.info.ModTime()) && fi.Size() == c.info.Size() {
		return
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		c.err = fmt.Errorf("clock: %s: %w", c.path, err)
		return
	}
	cfg, err := Parse(data)
	if err != nil {
		c.err = fmt.Errorf("clock: %s: %w", c.path, err)
		c.info = fi // do not re-read a bad file until it changes
		return
	}
	if cfg.rate() != 1 && cfg.SinceNS == 0 {
		cfg.SinceNS = fi.ModTime().UnixNano()
	}
	c.info, c.cfg, c.err = fi, cfg, nil
}
