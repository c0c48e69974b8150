package rundir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrSymlink is the error of a write refused because the file, or a
// directory on the way to it, is a symlink.
var ErrSymlink = errors.New("is a symlink; refusing to write through it")

// WriteFile writes data to dir/name (see Write).
func WriteFile(dir, name string, data []byte) error {
	return Write(dir, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes the file dir/name with what fill writes to w, so that a
// crash leaves the old file or the new one, never half of either: fill
// writes into a temp file created exclusively (O_EXCL, a fresh random name)
// in the target's own directory, which is then fsynced, renamed over the
// target, and its directory fsynced. When fill or any step fails, the temp
// file is removed and the target is left as it was.
//
// name is slash-separated and relative to dir (plots/rate.svg); missing
// directories on the way are created. Write refuses a name that leaves dir,
// and a file, or a directory on the way to it, that is a symlink (wrapping
// ErrSymlink) or that is not a regular file, each with an error naming it.
// dir itself may be a symlink (store/latest).
func Write(dir, name string, fill func(w io.Writer) error) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if !filepath.IsLocal(filepath.FromSlash(name)) || path.Clean(name) != name {
		return fmt.Errorf("rundir: %s: not a clean name inside the run directory %s", name, dir)
	}
	// The os.Root is what makes the write safe: every step below is
	// resolved inside dir, so a symlink swapped in after the checks cannot
	// lead outside it, and rename replaces a symlink, never its target.
	// The checks are there to refuse with a clear error rather than write
	// somewhere the reader of the run directory would not look.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("rundir: %w", err)
	}
	defer root.Close()
	if err := checkPath(root, dir, name); err != nil {
		return err
	}
	parent := path.Dir(name)
	if parent != "." {
		if err := root.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("rundir: %s: %w", filepath.Join(dir, parent), err)
		}
	}
	f, tmp, err := createTemp(root, name)
	if err != nil {
		return fmt.Errorf("rundir: %s: temp file: %w", p, err)
	}
	if err := fillSync(f, fill); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("rundir: write %s: %w", p, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	// Make the rename itself durable. The file is in place either way, so
	// a directory that cannot be synced (some filesystems refuse) is not
	// an error.
	if d, err := root.Open(parent); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// checkPath refuses a name whose file or directories are symlinks, or
// whose file exists and is not a regular file. It walks from the top, so a
// symlinked directory is named as such rather than failing below it.
func checkPath(root *os.Root, dir, name string) error {
	parts := strings.Split(name, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		st, err := root.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // nothing below it exists either
		case err != nil:
			return fmt.Errorf("rundir: %w", err)
		case st.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("rundir: %s %w", filepath.Join(dir, p), ErrSymlink)
		case p == name && !st.Mode().IsRegular():
			return fmt.Errorf("rundir: %s is not a regular file; refusing to replace it", filepath.Join(dir, p))
		}
	}
	return nil
}

// createTemp creates .<base>.tmp-<random> beside name, exclusively: never
// a file that is already there, so two writers never share a temp file and
// a planted file or symlink is never opened.
func createTemp(root *os.Root, name string) (*os.File, string, error) {
	dir, base := path.Split(name)
	for range 100 {
		tmp := dir + "." + base + ".tmp-" + strconv.FormatUint(rand.Uint64(), 36)
		f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", fmt.Errorf("no free temp file name for %s", base)
}

// fillSync runs fill on f, then fsyncs and closes f.
func fillSync(f *os.File, fill func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 64<<10)
	err := fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
