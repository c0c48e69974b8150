package web

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// maxSmallFile bounds what safeFS.ReadFile reads: test.json,
// controller.pid, campaign.json are a few KB; a bigger one is refused
// rather than read into memory.
const maxSmallFile = 1 << 20

// safeFS is the store as the listing reads it: paths resolve inside the
// os.Root, and only regular files and directories open. A file is opened
// non-blocking and checked on the open descriptor, so a FIFO (which a
// plain open would wait on for good) or a device is refused without a
// race between a check and the open.
type safeFS struct{ root *os.Root }

// Open opens name if it is a regular file or a directory.
func (s safeFS) Open(name string) (fs.File, error) {
	f, _, err := s.open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (s safeFS) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())}
	}
	return f, st, nil
}

// ReadFile reads name whole when it is a regular file of at most
// maxSmallFile bytes (fs.ReadFile uses it, rundir.ControllerAlive too).
func (s safeFS) ReadFile(name string) ([]byte, error) {
	return s.readCapped(name, maxSmallFile)
}

// readCapped reads the regular file name when it holds at most max
// bytes; a larger one is an *fs.PathError wrapping errTooLarge.
func (s safeFS) readCapped(name string, max int64) ([]byte, error) {
	f, st, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("is a directory")}
	}
	if st.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &tooLargeError{Size: st.Size(), Max: max}}
	}
	// The file may grow after the stat: read at most max+1 bytes.
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(len(b)) > max {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &tooLargeError{Size: int64(len(b)), Max: max}}
	}
	return b, nil
}

// tooLargeError is a file the listing will not read into memory.
type tooLargeError struct{ Size, Max int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s, over the %s the listing reads", humanSize(e.Size), humanSize(e.Max))
}

// humanSize writes n bytes as 512 B, 1.5 KiB, 12.0 MiB.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
