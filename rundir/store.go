package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// TimeFormat names run directories: store/<test-name>/<YYYYMMDDTHHMMSS.sss>.
const TimeFormat = "20060102T150405.000"

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	timeRE = regexp.MustCompile(`^\d{8}T\d{6}(\.\d+)?$`)
)

// ValidName reports whether name can be a test name (a directory name in
// the store): letters, digits, '.', '_' and '-', not starting with a dot.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// IsTimeName reports whether name has the form of a run directory's name
// (TimeFormat): what a listing of store/<test-name>/ takes for a run.
func IsTimeName(name string) bool { return timeRE.MatchString(name) }

// New creates store/<name>/<time> and returns its path; a run already
// there at the same millisecond makes it take the next free one.
func New(store, name string, now time.Time) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("rundir: test name %q is not a valid directory name (use letters, digits, . _ -)", name)
	}
	for i := 0; ; i++ {
		t := now.Add(time.Duration(i) * time.Millisecond)
		dir := filepath.Join(store, name, t.UTC().Format(TimeFormat))
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("rundir: store %s: %w", store, err)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) || i > 1000 {
			return "", fmt.Errorf("rundir: create run directory %s: %w", dir, err)
		}
	}
}

// UpdateLatest points store/latest and store/<name>/latest at dir (made by
// New) with relative symlinks, each replaced atomically.
func UpdateLatest(store, dir string) error {
	if err := LinkLatest(dir); err != nil {
		return err
	}
	rel, err := filepath.Rel(store, dir)
	if err != nil {
		return err
	}
	return symlinkAtomic(rel, filepath.Join(store, Latest))
}

// LinkLatest points the latest beside dir (store/<name>/latest) at dir.
func LinkLatest(dir string) error {
	return symlinkAtomic(filepath.Base(dir), filepath.Join(filepath.Dir(dir), Latest))
}

func symlinkAtomic(target, link string) error {
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("rundir: symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		return fmt.Errorf("rundir: symlink %s: %w", link, err)
	}
	return nil
}
