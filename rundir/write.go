package rundir

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to dir/name through a temp file, fsynced and
// renamed over the target, so that a crash leaves the old file or the new
// one, never half of either.
func WriteFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	tmp := p + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("rundir: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	return nil
}
