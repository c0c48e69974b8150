package wal

import (
	"fmt"
	"os"
	"path/filepath"
)

// A file's data is durable after its fsync, but its name (creation,
// rename, removal) only after an fsync of the directory that holds it.

// makeDir creates dir if it does not exist and then fsyncs its parent, so
// that the new directory, and the log in it, survive a crash. (Only the
// last level: a deeper chain of new parents is the deployer's to make.)
func makeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("wal: data dir %q: %w", dir, err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("wal: sync parent of data dir %q: %w", dir, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
