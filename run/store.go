package run

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// TimeFormat names run directories: store/<test-name>/<YYYYMMDDTHHMMSS.sss>.
const TimeFormat = "20060102T150405.000"

var testNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidName reports whether name can be a test name (a directory name in
// the store): letters, digits, '.', '_' and '-', not starting with a dot.
func ValidName(name string) bool { return testNameRE.MatchString(name) }

// NewRunDir creates store/<name>/<time> and returns its path.
func NewRunDir(store, name string, now time.Time) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("run: test name %q is not a valid directory name (use letters, digits, . _ -)", name)
	}
	for i := 0; ; i++ {
		t := now.Add(time.Duration(i) * time.Millisecond)
		dir := filepath.Join(store, name, t.UTC().Format(TimeFormat))
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("run: store %s: %w", store, err)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) || i > 1000 {
			return "", fmt.Errorf("run: create run directory %s: %w", dir, err)
		}
	}
}

// UpdateLatest points store/latest and store/<name>/latest at dir with
// relative symlinks, replaced atomically.
func UpdateLatest(store, dir string) error {
	testDir := filepath.Dir(dir)
	if err := symlinkAtomic(filepath.Base(dir), filepath.Join(testDir, "latest")); err != nil {
		return err
	}
	rel, err := filepath.Rel(store, dir)
	if err != nil {
		return err
	}
	return symlinkAtomic(rel, filepath.Join(store, "latest"))
}

func symlinkAtomic(target, link string) error {
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("run: symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		return fmt.Errorf("run: symlink %s: %w", link, err)
	}
	return nil
}
